import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImplementerOutput } from '../domain/agent-outputs';
import { UserError } from '../infra/errors';

/** Writes each artifact under `dir` by its name, refusing names that would land outside it. Returns the paths. */
export function writeArtifacts(output: ImplementerOutput, dir: string): string[] {
  const root = path.resolve(dir);
  return output.artifacts.map((artifact) => {
    const file = path.resolve(root, artifact.name);
    if (!file.startsWith(root + path.sep)) {
      throw new UserError(`artifact "${artifact.name}" would be written outside ${root}; nothing was written for it`);
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, artifact.content);
    return file;
  });
}
