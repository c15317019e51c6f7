import type { PushTaskBranchInput, PushTaskBranchResult } from '../../domain/workspace';
import { guardCheckout } from './config-guard';
import { RemoteMovedError, RemoteRejectedError } from './errors';
import { git, lastLine } from './git';
import { classifyRemoteFailure, listRemoteRefs, receivePackArgs } from './remote';
import { headCommit, inCheckout } from './repo-ops';
import type { WorkspaceSettings } from './settings';

/**
 * Pushes the checkout's HEAD to `branch` of `remote` as a compare-and-swap: it lands only if the branch is still at
 * `expectedOld` (null: absent). `--force-with-lease=<ref>:<expected>` is checked by our git against the remote's
 * advertisement, and the old value travels in the push command, which the receiving side checks again under its ref
 * lock: a push from elsewhere between the two loses too. No remote-tracking ref is consulted, so a fetch in between
 * cannot move the expectation. (`git send-pack` would do the same with fewer guarantees on its output.)
 *
 * Throws RemoteMovedError naming the branch's actual commit when the swap lost, RemoteRejectedError with the remote's
 * own words when it refused (a hook, protection). A retried push that already landed succeeds again.
 */
export async function pushTaskBranch(
  settings: WorkspaceSettings,
  input: PushTaskBranchInput,
): Promise<PushTaskBranchResult> {
  const { checkout, remote, branch, expectedOld } = input;
  await guardCheckout(checkout);
  const at = inCheckout(settings, checkout);
  const commit = await headCommit(at);
  const ref = `refs/heads/${branch}`;
  let result;
  try {
    result = await git(
      [
        'push',
        '--porcelain',
        '--no-verify',
        '--recurse-submodules=no',
        `--force-with-lease=${ref}:${expectedOld ?? ''}`,
        ...receivePackArgs(remote),
        '--end-of-options',
        remote,
        `${commit}:${ref}`,
      ],
      { ...at, okExitCodes: [0, 1] },
    );
  } catch (err) {
    throw classifyRemoteFailure(remote, err, true);
  }
  if (result.code === 0) return { branch, commit, previous: expectedOld };

  // Refused. Whether the swap lost or the remote said no, the branch's value now tells.
  const actual = (await listRemoteRefs(remote, [ref], { midRun: true })).refs.get(ref) ?? null;
  if (actual === commit) return { branch, commit, previous: expectedOld };
  if (actual !== expectedOld) throw new RemoteMovedError(remote, branch, expectedOld, actual);
  const status = result.stdout.split('\n').find((l) => l.startsWith('!')) ?? '';
  const reason = /\t\[[^\]]+\] \((.*)\)$/.exec(status)?.[1] ?? lastLine(result.stderr);
  const remoteMessage = result.stderr
    .split('\n')
    .filter((l) => l.startsWith('remote: '))
    .map((l) => l.slice('remote: '.length).trim())
    .filter(Boolean)
    .join('\n');
  throw new RemoteRejectedError(
    `${remote} refused to update ${branch} (${reason})${remoteMessage ? `: ${remoteMessage.split('\n')[0]}` : ''}; ` +
      "the repository's own rules decide: allow Planwright to write planwright/* branches there",
    remoteMessage,
  );
}
