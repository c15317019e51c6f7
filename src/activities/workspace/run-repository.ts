import { realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkRefName, encodeRefComponent, formatTrailer, RUN_TRAILER } from '../../domain/git-refs';
import { isLocalRepoLocation, type OpenRunRepositoryInput, type RunRepository } from '../../domain/workspace';
import { ensureCache } from './clone-cache';
import { runRepositoryConfig, sealConfig } from './config-guard';
import { InvalidWorkspaceInputError, RefNotFoundError } from './errors';
import { git } from './git';
import { withLock } from './lock';
import { listRemoteRefs } from './remote';
import { identityEnv } from './repo-ops';
import type { WorkspaceSettings } from './settings';

/**
 * The run's repository, settled once when the run starts: the user's (`--repo`) or a new bare one, and the commit
 * every task starts from (`--base`, resolved now so that later pushes to the base branch do not change the run).
 * Planwright never works in the user's working tree: it reads the repository through its own clones and writes only
 * planwright/<runId>/* branches into it.
 */

/** Where the run's own repository is made when the run has no --repo. */
export function runRepositoryPath(settings: WorkspaceSettings, runId: string): string {
  return path.join(settings.root, 'repos', `${encodeRefComponent(runId)}.git`);
}

/** Creates the run's bare repository with one empty first commit on `main`; a retried start finds it made. */
async function createRunRepository(settings: WorkspaceSettings, runId: string): Promise<string> {
  const repo = runRepositoryPath(settings, runId);
  await withLock(repo, async () => {
    if (await stat(repo).catch(() => undefined)) return;
    const temp = `${repo}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await git(['init', '--bare', '--quiet', '--template=', '--initial-branch=main', temp]);
      await sealConfig(temp, runRepositoryConfig());
      const tree = (await git(['mktree'], { gitDir: temp })).stdout.trim();
      const message = `Start Planwright run\n\n${formatTrailer(RUN_TRAILER, runId)}\n`;
      const env = identityEnv(settings.identity);
      const commit = (await git(['commit-tree', tree], { gitDir: temp, input: message, env })).stdout.trim();
      await git(['update-ref', 'refs/heads/main', commit, ''], { gitDir: temp });
      await rename(temp, repo);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });
  return repo;
}

/** A local location as an absolute path (symlinks resolved when it exists); URLs as given. */
async function normaliseLocation(location: string): Promise<string> {
  if (!isLocalRepoLocation(location) || location.startsWith('file://')) return location;
  const absolute = path.resolve(location);
  return realpath(absolute).catch(() => absolute);
}

/** Which refs a `--base` may name, in the order git itself tries them. */
function baseCandidates(base: string): string[] {
  return base.startsWith('refs/') ? [base] : [`refs/heads/${base}`, `refs/tags/${base}`, `refs/${base}`];
}

/**
 * Opens the run's repository and resolves its base commit. Throws NotARepositoryError, RemoteUnreachableError,
 * AuthFailedError or RefNotFoundError, each naming the fix, before anything is written to the user's repository.
 */
export async function openRunRepository(
  settings: WorkspaceSettings,
  input: OpenRunRepositoryInput,
): Promise<RunRepository> {
  const runId = input.runId;
  const base = input.base === 'HEAD' ? undefined : input.base;
  const hex = base !== undefined && /^[0-9a-f]{4,64}$/.test(base);
  const problem = base !== undefined && !hex ? checkRefName(base) : undefined;
  if (problem) throw new InvalidWorkspaceInputError(`--base ${JSON.stringify(base)} is not a ref name (${problem})`);

  const remote = input.repo ? await normaliseLocation(input.repo) : await createRunRepository(settings, runId);
  // One round trip proves the location is a repository this worker can reach, and names its HEAD.
  const { refs, symrefs } = await listRemoteRefs(remote, [], { midRun: false, symref: true });
  if (refs.size === 0) {
    throw new RefNotFoundError(`${remote} has no commits yet: commit something to it first, or omit --repo`);
  }
  const cache = await ensureCache(settings, remote, { refresh: true, midRun: false });

  let baseRef: string | undefined;
  let commit: string | undefined;
  if (base === undefined) {
    baseRef = symrefs.get('HEAD') ?? 'HEAD';
    commit = refs.get(baseRef);
  } else {
    for (const candidate of baseCandidates(base)) {
      // An annotated tag's commit is on its peeled line.
      commit = refs.get(`${candidate}^{}`) ?? refs.get(candidate);
      if (commit) {
        baseRef = candidate;
        break;
      }
    }
    if (!commit && hex) {
      const found = await git(['rev-parse', '--quiet', '--verify', '--end-of-options', `${base}^{commit}`], {
        gitDir: cache,
        okExitCodes: [0, 1],
      });
      commit = found.code === 0 ? found.stdout.trim() : undefined;
      if (!commit && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(base)) {
        commit = await ensureCache(settings, remote, { commit: base, midRun: false }).then(
          () => base,
          () => undefined,
        );
      }
      baseRef = commit;
    }
  }
  if (!commit || !baseRef) {
    const branches = [...refs.keys()].filter((r) => r.startsWith('refs/heads/')).map((r) => r.slice(11));
    const some = branches.slice(0, 5).join(', ') + (branches.length > 5 ? ', …' : '');
    throw new RefNotFoundError(
      `--base ${base ?? 'HEAD'} is not a branch, tag or commit of ${remote}: pass one that is (branches: ${some})`,
    );
  }
  await ensureCache(settings, remote, { commit, midRun: false });
  return { remote, base: commit, baseRef, created: !input.repo };
}
