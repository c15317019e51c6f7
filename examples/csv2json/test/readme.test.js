'use strict';
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { it } = require('node:test');

const root = path.join(__dirname, '..');

it("prints what the README's example says it prints", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const example = /## Example\n\n```sh\n(.+)\n```\n\n```json\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(example, 'the README has an example command and its output');
  const [, command, shown] = example;
  const [program, ...args] = command.split(' ');
  assert.equal(program, 'node');
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trimEnd(), shown);
});
