import { isLocalRepoLocation } from '../../domain/workspace';
import {
  AuthFailedError,
  GitFailedError,
  NotARepositoryError,
  RemoteUnreachableError,
  type WorkspaceError,
} from './errors';
import { git, lastLine } from './git';

/**
 * Talking to a remote: the transport options for local ones, and what git's complaints mean.
 *
 * A local remote (a path, file://) is served by `git upload-pack` / `git receive-pack` started by our git inside that
 * repository, and git deliberately does not pass our `-c` options to them ("config does not travel over same-machine
 * push"). The user's repository's own config and hooks would then run as this worker: its pre-receive and update
 * hooks on every push, core.alternateRefsCommand on every advertisement. So for local remotes the server side is
 * started with its own overrides. Remote servers (ssh, https) run their own hooks on their own machines: that is
 * their policy, and their refusals are reported as theirs (RemoteRejectedError).
 */
const SERVER_SIDE_CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.alternateRefsCommand=true',
  'receive.autogc=false',
  // Our caches may be partial or shallow and ask for commits by id; a local remote serves them like a forge does.
  'uploadpack.allowFilter=true',
  'uploadpack.allowAnySHA1InWant=true',
]
  .map((c) => `-c ${c}`)
  .join(' ');

/** The command that serves fetches from a local remote. */
export const LOCAL_UPLOAD_PACK = `git ${SERVER_SIDE_CONFIG} upload-pack`;
/** The command that receives pushes into a local remote. */
export const LOCAL_RECEIVE_PACK = `git ${SERVER_SIDE_CONFIG} receive-pack`;

/** `--upload-pack` for a local remote; nothing for others. */
export function uploadPackArgs(remote: string): string[] {
  return isLocalRepoLocation(remote) ? [`--upload-pack=${LOCAL_UPLOAD_PACK}`] : [];
}

/** `--receive-pack` for a local remote; nothing for others. */
export function receivePackArgs(remote: string): string[] {
  return isLocalRepoLocation(remote) ? [`--receive-pack=${LOCAL_RECEIVE_PACK}`] : [];
}

const NOT_A_REPOSITORY =
  /does not appear to be a git repository|not a git repository|repository '.*' not found|Repository not found|HTTP 404|No such file or directory/i;
const AUTH =
  /Authentication failed|could not read (Username|Password)|Permission denied \(|HTTP 40[13]|terminal prompts disabled|Host key verification failed/i;
const UNREACHABLE =
  /Could not resolve host|Failed to connect|Connection refused|Connection timed out|timed out|Network is unreachable|No route to host|Could not read from remote repository|unable to access|early EOF|the remote end hung up/i;
const DUBIOUS = /dubious ownership/i;

/**
 * What a failed transport command means for `remote`: the user's wrong location, the worker's missing credentials,
 * or an unreachable remote (retryable when `midRun`: a run under way waits out a network blip, a start does not).
 */
export function classifyRemoteFailure(remote: string, err: unknown, midRun: boolean): unknown {
  if (!(err instanceof GitFailedError)) return err;
  const said = err.stderr || err.message;
  const reason =
    lastLine(said.replace(/^fatal: Could not read from remote repository\.[\s\S]*$/m, '')) || lastLine(said);
  let failure: WorkspaceError | undefined;
  if (DUBIOUS.test(said)) {
    failure = new GitFailedError(
      `git refuses ${remote}: it is owned by another user (${reason}); run the worker as its owner or add it to the ` +
        "worker's safe.directory",
      err.args,
      err.stderr,
    );
  } else if (AUTH.test(said)) {
    failure = new AuthFailedError(
      `${remote} refused this worker's credentials (${reason}): configure a git credential helper, GIT_ASKPASS or an ` +
        'ssh key on the workers; credentials never come from the run',
    );
  } else if (NOT_A_REPOSITORY.test(said)) {
    failure = new NotARepositoryError(
      isLocalRepoLocation(remote)
        ? `${remote} is not a git repository: pass --repo the path of a repository (git init it first), or omit --repo`
        : `there is no git repository at ${remote} (${reason}): check the URL passed to --repo`,
    );
  } else if (UNREACHABLE.test(said)) {
    failure = new RemoteUnreachableError(
      `cannot reach ${remote} (${reason}): check the URL and that the workers' network can reach it`,
      midRun,
    );
  }
  return failure ?? err;
}

/** A remote's refs (`git ls-remote`), as ref name → commit id; `patterns` narrow them as ls-remote does. */
export async function listRemoteRefs(
  remote: string,
  patterns: readonly string[],
  options: { midRun: boolean; timeoutMs?: number; symref?: boolean },
): Promise<{ refs: Map<string, string>; symrefs: Map<string, string> }> {
  let stdout: string;
  try {
    ({ stdout } = await git(
      [
        'ls-remote',
        ...(options.symref ? ['--symref'] : []),
        ...uploadPackArgs(remote),
        '--end-of-options',
        remote,
        ...patterns,
      ],
      { timeoutMs: options.timeoutMs },
    ));
  } catch (err) {
    throw classifyRemoteFailure(remote, err, options.midRun);
  }
  const refs = new Map<string, string>();
  const symrefs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const sym = /^ref: (\S+)\t(\S+)$/.exec(line);
    if (sym) symrefs.set(sym[2]!, sym[1]!);
    const ref = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
    if (ref) refs.set(ref[2]!, ref[1]!);
  }
  return { refs, symrefs };
}
