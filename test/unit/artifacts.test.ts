import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeArtifacts } from '../../src/cli/artifacts';

const output = (name: string) => ({
  summary: '',
  notes: '',
  artifacts: [{ name, kind: 'code', content: `// ${name}` }],
});

describe('writing task artifacts to a folder', () => {
  it('writes each artifact under the folder by its name, creating subfolders', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-out-'));
    const [file] = writeArtifacts(output('src/deep/parser.ts'), dir);
    assert.equal(file, path.join(dir, 'src', 'deep', 'parser.ts'));
    assert.equal(readFileSync(file!, 'utf8'), '// src/deep/parser.ts');
  });

  it('refuses an artifact name that escapes the folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-out-'));
    assert.throws(() => writeArtifacts(output('../escape.txt'), dir), /"\.\.\/escape\.txt" would be written outside/);
    assert.throws(() => writeArtifacts(output('/etc/passwd'), dir), /would be written outside/);
  });
});
