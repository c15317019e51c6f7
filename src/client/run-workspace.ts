import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { RunView } from '../domain/run';
import { describeResultChecks, type RunWorkspaceInput } from '../domain/run-workspace';
import { isLocalRepoLocation } from '../domain/workspace';
import { UserError } from '../infra/errors';
import { getRunView } from './runs';

const run = promisify(execFile);

/** The user's git, with hooks off: reading a run's branches must never run code from them. */
async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['-c', 'core.hooksPath=/dev/null', ...args], {
      maxBuffer: 256 * 1024 * 1024,
      ...(cwd ? { cwd } : {}),
    });
    return stdout;
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new UserError('git is not installed: install it (apt-get install git)');
    throw new UserError(`git ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').pop()}`);
  }
}

/**
 * What the client can check of a run's workspace before it starts, with the user's own access: a local repository
 * exists, is a git repository and has the base. The first workspace activity checks again with the workers' access.
 */
export async function checkWorkspaceInput(workspace: Pick<RunWorkspaceInput, 'repo' | 'base'>): Promise<void> {
  const repo = workspace.repo;
  if (!repo || !isLocalRepoLocation(repo)) return;
  const dir = repo.replace(/^file:\/\//, '');
  const found = await stat(dir).catch(() => undefined);
  if (!found?.isDirectory()) throw new UserError(`--repo ${repo}: no such directory`);
  const inside = await run('git', ['-C', dir, 'rev-parse', '--git-dir']).catch(() => undefined);
  if (!inside) throw new UserError(`--repo ${repo} is not a git repository: run \`git init\` there, or pass another`);
  if (workspace.base) {
    const ok = await run('git', [
      '-C',
      dir,
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${workspace.base}^{commit}`,
    ]).catch(() => undefined);
    if (!ok) throw new UserError(`--base ${workspace.base} is not a branch, tag or commit of ${repo}`);
  }
}

/** The range of a run (or one of its tasks) in its repository: what it changed, from where to where. */
export interface WorkRange {
  remote: string;
  from: string;
  to: string;
  branch: string;
  label: string;
}

/** Where a run's result (or a task's work) is, from its report; a clear error when there is none. */
export async function workRange(client: Client, runId: string, taskId?: string): Promise<WorkRange> {
  const view: RunView = await getRunView(client, runId);
  if (!view.workspace)
    throw new UserError(`run ${runId} has no workspace: it was started without --repo or --workspace`);
  const { remote, base, integration } = view.workspace;
  if (taskId) {
    const task = view.tasks.find((t) => t.id === taskId);
    if (!task) throw new UserError(`run ${runId} has no task "${taskId}"`);
    if (!task.work)
      throw new UserError(`task "${taskId}" of run ${runId} has left no work yet (status: ${task.status})`);
    const { branch, commit, startCommit } = task.work;
    return { remote, from: startCommit, to: commit, branch, label: `task ${taskId}` };
  }
  if (integration?.ok) {
    const label = `run (${describeResultChecks(integration)})`;
    return { remote, from: base, to: integration.commit, branch: integration.branch, label };
  }
  const why = integration ? integration.message : `the run is ${view.status}`;
  throw new UserError(
    `run ${runId} has no result branch (${why}); look at one task: planwright diff ${runId} <taskId>`,
  );
}

/** Runs `fn` in a throwaway bare clone holding `range`'s branch: the user's own repositories are never touched. */
async function withBranch<T>(range: WorkRange, fn: (gitDir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'planwright-diff-'));
  try {
    await git(['clone', '--quiet', '--bare', '--single-branch', '--branch', range.branch, '--', range.remote, dir]);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The diff of a run's result, or of one task's work. */
export function diffWork(range: WorkRange, options: { stat?: boolean } = {}): Promise<string> {
  return withBranch(range, (gitDir) =>
    git([`--git-dir=${gitDir}`, 'diff', ...(options.stat ? ['--stat'] : []), range.from, range.to]),
  );
}

/** Clones the run's result (or a task's branch) into a new directory `dir`. */
export async function checkoutWork(range: WorkRange, dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing) throw new UserError(`${dir} already exists: name a new directory`);
  await git(['clone', '--quiet', '--branch', range.branch, '--', range.remote, dir]);
}
