import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end and returns its exit code and output; never throws on a non-zero exit. */
export function runCommand(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: root, env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** Runs the `planwright` CLI from source, as a user would, in its own process. */
export function planwright(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCommand(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), ...args], env);
}
