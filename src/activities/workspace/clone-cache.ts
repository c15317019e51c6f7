import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { cacheConfig, sealConfig } from './config-guard';
import { GitFailedError, RefNotFoundError } from './errors';
import { git } from './git';
import { withLock } from './lock';
import { classifyRemoteFailure } from './remote';
import type { WorkspaceSettings } from './settings';

/**
 * Each worker keeps one bare cache per remote, `<cacheDir>/<hash>.git`: every branch and tag of the remote under the
 * same names (a mirror of refs/heads and refs/tags, nothing else), updated with fetch. Checkouts borrow its objects,
 * so a task's checkout costs a checkout, not a clone. Fetches into a cache are serialised by lock.ts; reading it is not.
 */

const REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

/** The cache of `remote` on this worker. Partial and shallow caches of one remote are different caches. */
export function cachePath(settings: WorkspaceSettings, remote: string): string {
  const key = `${remote}\n${settings.partial ? 'blob:none' : ''}\n${settings.depth ?? ''}`;
  return path.join(settings.cacheDir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.git`);
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * True when `repo` has `commit` as a commit object. Never fetches: in a partial clone, `cat-file -e` would fetch a
 * missing object from the promisor remote; `rev-list --missing=print` only looks.
 */
export async function hasCommit(repo: string, commit: string): Promise<boolean> {
  const { code } = await git(['rev-list', '--no-walk', '--missing=print', '-n1', '--end-of-options', commit], {
    gitDir: repo,
    okExitCodes: [0, 128],
  });
  return code === 0;
}

function fetchOptions(settings: WorkspaceSettings): string[] {
  return [
    '--quiet',
    '--no-write-fetch-head',
    '--recurse-submodules=no',
    ...(settings.partial ? ['--filter=blob:none'] : []),
    ...(settings.depth ? [`--depth=${settings.depth}`] : []),
  ];
}

async function fetch(settings: WorkspaceSettings, cache: string, remote: string, args: string[], midRun: boolean) {
  try {
    await git(['fetch', ...fetchOptions(settings), ...args], { gitDir: cache, timeoutMs: settings.timeoutMs });
  } catch (err) {
    throw classifyRemoteFailure(remote, err, midRun);
  }
}

/** Brings every branch and tag of the remote into the cache, dropping those the remote deleted. */
async function fetchAll(settings: WorkspaceSettings, cache: string, remote: string, midRun: boolean) {
  await fetch(settings, cache, remote, ['--prune', 'origin', ...REFSPECS], midRun);
}

async function createCache(settings: WorkspaceSettings, cache: string, remote: string, midRun: boolean) {
  await mkdir(settings.cacheDir, { recursive: true });
  // Built beside its final name and renamed into place: a cache that exists is complete.
  const temp = `${cache}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await git(['init', '--bare', '--quiet', '--template=', temp]);
    await sealConfig(temp, cacheConfig({ url: remote, partial: settings.partial }));
    await fetchAll(settings, temp, remote, midRun);
    await rename(temp, cache);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** What a caller needs from the cache. */
export interface CacheWant {
  /** A commit that must be present (fetched by id when no branch or tag holds it). */
  commit?: string;
  /** Fetch every branch and tag even when `commit` is present. */
  refresh?: boolean;
  /** True once a run is under way: an unreachable remote is then retryable. */
  midRun: boolean;
}

/**
 * The cache of `remote`, created or fetched as needed so that `want` holds, and its config resealed. Throws
 * RefNotFoundError when the remote has no such commit.
 */
export async function ensureCache(settings: WorkspaceSettings, remote: string, want: CacheWant): Promise<string> {
  const cache = cachePath(settings, remote);
  const origin = { url: remote, partial: settings.partial };
  const satisfied = async () => !want.commit || (await hasCommit(cache, want.commit));
  // The common case, a warm cache that has the commit, takes no lock and makes no network call.
  if (!want.refresh && (await isDirectory(cache))) {
    await sealConfig(cache, cacheConfig(origin));
    if (await satisfied()) return cache;
  }
  await withLock(cache, async () => {
    if (!(await isDirectory(cache))) await createCache(settings, cache, remote, want.midRun);
    else {
      await sealConfig(cache, cacheConfig(origin));
      if (want.refresh || !(await satisfied())) await fetchAll(settings, cache, remote, want.midRun);
    }
    if (want.commit && !(await satisfied())) {
      // A commit no branch or tag reaches (a deleted branch, a PR head): ask for it by id, and keep a ref to it.
      await fetch(
        settings,
        cache,
        remote,
        ['origin', `${want.commit}:refs/planwright/keep/${want.commit}`],
        want.midRun,
      ).catch(() => undefined);
      if (!(await satisfied())) {
        throw new RefNotFoundError(`commit ${want.commit} is not in ${remote}: check --base, or push the commit first`);
      }
    }
  });
  return cache;
}

/**
 * Fetches the named branches of the remote into the cache under the same names and returns each one's commit.
 * Throws RefNotFoundError naming a branch the remote does not have.
 */
export async function fetchBranches(
  settings: WorkspaceSettings,
  cache: string,
  remote: string,
  branches: readonly string[],
): Promise<Map<string, string>> {
  const refspecs = branches.map((b) => `+refs/heads/${b}:refs/heads/${b}`);
  await withLock(cache, () => fetch(settings, cache, remote, ['origin', ...refspecs], true)).catch((err: unknown) => {
    const said = err instanceof GitFailedError ? err.stderr : '';
    const missing = /couldn't find remote ref refs\/heads\/(\S+)/.exec(said);
    if (missing) throw new RefNotFoundError(`branch ${missing[1]} is not in ${remote}: push it before merging it`);
    throw err;
  });
  // Full ref names cannot read as options (rev-parse would print --end-of-options back rather than honour it).
  const { stdout } = await git(['rev-parse', ...branches.map((b) => `refs/heads/${b}^{commit}`)], { gitDir: cache });
  const commits = stdout.trim().split('\n');
  return new Map(branches.map((b, i) => [b, commits[i]!]));
}

/**
 * In a partial cache, fetches the file contents of `commit` that are not there yet, in one request. Clone checkouts
 * need them in the cache: they borrow its objects, and a cache does not pass a request for a missing one on to its
 * own remote. The blobs then stay for every later checkout of the commit.
 */
export async function prefetchBlobs(settings: WorkspaceSettings, cache: string, commit: string): Promise<void> {
  if (!settings.partial) return;
  const missing = async () => {
    const { stdout } = await git(['rev-list', '--objects', '--no-walk', '--missing=print', commit], { gitDir: cache });
    return stdout
      .split('\n')
      .filter((l) => l.startsWith('?'))
      .map((l) => l.slice(1));
  };
  if ((await missing()).length === 0) return;
  await withLock(cache, async () => {
    const ids = await missing();
    if (ids.length === 0) return;
    // What git itself runs for a lazy fetch, for all the ids at once; noop negotiation: we want objects, not history.
    await git(
      [
        '-c',
        'fetch.negotiationAlgorithm=noop',
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        '--recurse-submodules=no',
        '--filter=blob:none',
        '--stdin',
        'origin',
      ],
      { gitDir: cache, input: `${ids.join('\n')}\n`, timeoutMs: settings.timeoutMs },
    );
  });
}

/** Fetches the whole history of a shallow cache (a merge needs merge bases a shallow history may lack). */
export async function unshallowCache(settings: WorkspaceSettings, cache: string): Promise<void> {
  await withLock(cache, () =>
    git(['fetch', '--quiet', '--unshallow', '--no-write-fetch-head', 'origin', ...REFSPECS], {
      gitDir: cache,
      timeoutMs: settings.timeoutMs,
      okExitCodes: [0, 128], // 128: the cache was complete already
    }),
  );
}
