import { existsSync } from 'node:fs';
import path from 'node:path';

/** The checkout or install folder of Planwright: where package.json is, above this file in src/ or dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** Git-ignored folder for local state: the dev server database, simulator logs. */
export function stateDir(): string {
  return process.env.PLANWRIGHT_STATE_DIR ?? path.join(projectRoot(), '.planwright');
}
