import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Checkout } from '../../domain/workspace';
import { runCommand } from '../sandbox';
import { git } from '../workspace/git';
import type { AgentLoopContext } from './settings';

/** Failure type of a setup command that exits non-zero: the user's command or lockfile is wrong. */
export const WORKSPACE_SETUP_FAILED = 'Planwright.Workspace.SetupFailed';

/** Lockfiles whose content decides what a setup command installs: the cache key. */
const LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'requirements.txt',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'Cargo.lock',
  'go.sum',
  'Gemfile.lock',
  'composer.lock',
];
const SETUP_TIMEOUT_MS = 30 * 60_000;
const MAX_FAILURE_TAIL = 2000;

/**
 * Runs the run's setup commands (`--setup`, e.g. npm ci) in a fresh checkout, with network, before the agent starts.
 * What they produce is cached on this worker by the hash of the commands and the lockfiles at the checkout's root, so
 * the next checkout with the same lockfiles copies it instead of installing again. Its files are added to the
 * checkout's own exclude list: they are never committed.
 */
export async function runSetup(ctx: AgentLoopContext, checkout: Checkout, commands: readonly string[]): Promise<void> {
  if (commands.length === 0) return;
  const key = await cacheKey(checkout.dir, commands);
  const cached = path.join(ctx.workspace.root, 'setup-cache', key);
  if (await stat(path.join(cached, 'paths.json')).catch(() => undefined)) {
    const paths = JSON.parse(await readFile(path.join(cached, 'paths.json'), 'utf8')) as string[];
    await cp(path.join(cached, 'tree'), checkout.dir, {
      recursive: true,
      preserveTimestamps: true,
      verbatimSymlinks: true,
    });
    await exclude(checkout, paths);
    return;
  }
  for (const command of commands) {
    const result = await runCommand({
      checkout: checkout.dir,
      command: { shell: command },
      timeoutMs: SETUP_TIMEOUT_MS,
      network: true,
      sandbox: ctx.sandbox,
    });
    if (result.exitCode !== 0) {
      throw ApplicationFailure.create({
        type: WORKSPACE_SETUP_FAILED,
        message:
          `setup command "${command}" ${result.timedOut ? 'timed out' : `exited ${result.exitCode ?? 'on a signal'}`}: ` +
          result.output.slice(-MAX_FAILURE_TAIL),
        nonRetryable: true,
      });
    }
  }
  const produced = await untrackedPaths(checkout);
  await exclude(checkout, produced);
  await store(cached, checkout.dir, produced);
}

async function cacheKey(dir: string, commands: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(commands));
  for (const name of LOCKFILES) {
    const content = await readFile(path.join(dir, name)).catch(() => undefined);
    if (content) hash.update(`\0${name}\0`).update(content);
  }
  return hash.digest('hex').slice(0, 32);
}

/** Everything the setup left that git does not track, ignored or not, directories collapsed (node_modules/). */
async function untrackedPaths(checkout: Checkout): Promise<string[]> {
  const { stdout } = await git(['ls-files', '-z', '--others', '--directory'], {
    gitDir: checkout.gitDir,
    workTree: checkout.dir,
  });
  return stdout.split('\0').filter(Boolean);
}

async function exclude(checkout: Checkout, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await mkdir(path.join(checkout.gitDir, 'info'), { recursive: true });
  const lines = paths.map((p) => `/${p.replace(/([*?[\\!#])/g, '\\$1')}`).join('\n');
  await appendFile(path.join(checkout.gitDir, 'info', 'exclude'), `\n# Planwright setup\n${lines}\n`);
}

/** Copies the setup's products into the cache, made visible at once by a rename (a half-made entry is never read). */
async function store(cached: string, dir: string, paths: readonly string[]): Promise<void> {
  const partial = `${cached}.partial-${process.pid}-${Date.now()}`;
  try {
    for (const p of paths) {
      await cp(path.join(dir, p), path.join(partial, 'tree', p), {
        recursive: true,
        preserveTimestamps: true,
        verbatimSymlinks: true,
      });
    }
    await mkdir(path.join(partial, 'tree'), { recursive: true });
    await writeFile(path.join(partial, 'paths.json'), JSON.stringify(paths));
    await rename(partial, cached);
  } catch {
    // A cache that cannot be written (another checkout stored it first, or the disk is full) costs only time.
    await rm(partial, { recursive: true, force: true });
  }
}
