import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Checkout } from '../../domain/workspace';
import { runCommand } from '../sandbox';
import { checkoutCommittedTree, removeCheckout } from '../workspace';
import { git } from '../workspace/git';
import { handToCommandOwner } from './ownership';
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
 * Gives a checkout the products of the run's setup commands (`--setup`, e.g. npm ci). The commands run with network,
 * so they run on the run's base, never on a tree an agent wrote: an agent's `postinstall` script or lockfile would
 * otherwise run with the host's network (and its loopback services) in a dependent task's setup. They run once per
 * worker in a throwaway checkout of the base, and their products are cached by the hash of the commands and the
 * base's lockfiles; every checkout of the run gets a copy, added to its own exclude list so it is never committed.
 */
export async function runSetup(
  ctx: AgentLoopContext,
  checkout: Checkout,
  commands: readonly string[],
  base: string,
): Promise<void> {
  if (commands.length === 0) return;
  const key = await cacheKey(ctx, checkout, base, commands);
  const cached = path.join(ctx.workspace.root, 'setup-cache', key);
  if (!(await stat(path.join(cached, 'paths.json')).catch(() => undefined))) {
    await setUpBase(ctx, checkout, base, commands, cached);
  }
  const paths = JSON.parse(await readFile(path.join(cached, 'paths.json'), 'utf8')) as string[];
  await cp(path.join(cached, 'tree'), checkout.dir, {
    recursive: true,
    preserveTimestamps: true,
    verbatimSymlinks: true,
  });
  await exclude(checkout, paths);
}

/** Runs the setup commands in a fresh checkout of the base and stores what they produced in the cache. */
async function setUpBase(
  ctx: AgentLoopContext,
  checkout: Checkout,
  base: string,
  commands: readonly string[],
  cached: string,
): Promise<void> {
  const tree = await checkoutCommittedTree(ctx.workspace, checkout, base, 'setup');
  try {
    await handToCommandOwner(tree.dir);
    for (const command of commands) {
      const result = await runCommand({
        checkout: tree.dir,
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
    await store(cached, tree.dir, await untrackedPaths(tree));
  } finally {
    await removeCheckout(ctx.workspace, tree).catch(() => undefined);
  }
}

/** The cache key: the commands and the base's lockfiles, read from the base commit itself. */
async function cacheKey(
  ctx: AgentLoopContext,
  checkout: Checkout,
  base: string,
  commands: readonly string[],
): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(commands));
  for (const name of LOCKFILES) {
    const content = await git(['cat-file', 'blob', `${base}:${name}`], {
      gitDir: checkout.gitDir,
      okExitCodes: [0, 128],
      timeoutMs: ctx.workspace.timeoutMs,
    });
    if (content.code === 0) hash.update(`\0${name}\0`).update(content.stdout);
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

/** Marks the block of the checkout's exclude list that lists the setup's products. */
const SETUP_EXCLUDE_HEADER = '# Planwright setup';

async function exclude(checkout: Checkout, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await mkdir(path.join(checkout.gitDir, 'info'), { recursive: true });
  const lines = paths.map((p) => `/${p.replace(/([*?[\\!#])/g, '\\$1')}`).join('\n');
  await appendFile(path.join(checkout.gitDir, 'info', 'exclude'), `\n${SETUP_EXCLUDE_HEADER}\n${lines}\n`);
}

/** The setup's products in a checkout, as `exclude` listed them (git's paths, directories ending in "/"). */
export async function readSetupProducts(checkout: Checkout): Promise<string[]> {
  const text = await readFile(path.join(checkout.gitDir, 'info', 'exclude'), 'utf8').catch(() => '');
  return text
    .split(SETUP_EXCLUDE_HEADER)
    .slice(1)
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('/'))
    .map((line) => line.slice(1).replace(/\\(.)/g, '$1'));
}

/**
 * Copies the setup's products into the cache, made visible at once by a rename (a half-made entry is never read).
 * Another checkout that stored the same entry first wins; its products are the same.
 */
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
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    // Another checkout stored it first: use theirs. Anything else (a full disk) is the worker's problem to report.
    if (!(await stat(path.join(cached, 'paths.json')).catch(() => undefined))) throw err;
  }
}
