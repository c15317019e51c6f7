'use strict';
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { describe, it } = require('node:test');

const bin = path.join(__dirname, '..', 'bin', 'csv2json.js');
const run = (args, input) => spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });
const csvFile = (content) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'csv2json-')), 'in.csv');
  writeFileSync(file, content);
  return file;
};

describe('csv2json', () => {
  it('prints a file as a JSON array on one line, or indented with --pretty', () => {
    const file = csvFile('name,city\nAda,London\n');
    const plain = run([file]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, '[{"name":"Ada","city":"London"}]\n');
    assert.equal(run(['--pretty', file]).stdout, '[\n  {\n    "name": "Ada",\n    "city": "London"\n  }\n]\n');
  });

  it('reads standard input without a file', () => {
    assert.deepEqual(JSON.parse(run([], 'a\n1\n2\n').stdout), [{ a: '1' }, { a: '2' }]);
  });

  it('exits 1 naming the bad record, and 2 for a missing file or an unknown option', () => {
    const bad = run([csvFile('a,b\n1\n')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /record 2 has 1 fields; the header has 2/);
    const missing = run(['/nonexistent.csv']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read \/nonexistent\.csv/);
    const option = run(['--tabs']);
    assert.equal(option.status, 2);
    assert.match(option.stderr, /unknown option --tabs\nusage: csv2json/);
  });
});
