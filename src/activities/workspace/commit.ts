import { formatCommitMessage, readStepTrailers } from '../../domain/git-refs';
import type { CommitStepInput, CommitStepResult } from '../../domain/workspace';
import { guardCheckout } from './config-guard';
import { git } from './git';
import { headCommit, identityEnv, inCheckout, splitNul } from './repo-ops';
import type { WorkspaceSettings } from './settings';

/**
 * Commits everything that changed in the checkout (new, modified and deleted files; .gitignore is honoured) as one
 * step, with the worker's identity and the step's trailers. Nothing changed: no commit, unless HEAD already is this
 * step's commit (the activity was retried after committing), which is then returned again.
 */
export async function commitStep(settings: WorkspaceSettings, input: CommitStepInput): Promise<CommitStepResult> {
  const { checkout, runId, taskId, stepId } = input;
  await guardCheckout(checkout);
  const at = inCheckout(settings, checkout);
  // An agent's step reaches here screened (step-changes.ts walked the tree and removed embedded repositories); a
  // gitlink `git add` records anyway never reaches the commit.
  await git(['add', '--all'], at);
  await unstageGitlinks(at);
  const staged = await git(['diff', '--cached', '--name-only', '-z', '--no-renames', '--no-ext-diff', 'HEAD'], at);
  const changed = splitNul(staged.stdout);
  if (changed.length === 0) {
    const head = await headCommit(at);
    const { stdout: message } = await git(['log', '-1', '--format=%B', head], at);
    const made = readStepTrailers(message);
    if (made?.runId !== runId || made.taskId !== taskId || made.stepId !== stepId) return { commit: undefined };
    const files = await git(
      ['diff-tree', '-r', '--root', '--no-commit-id', '--name-only', '-z', '--no-renames', head],
      at,
    );
    return { commit: head, changed: splitNul(files.stdout) };
  }
  // --cleanup=verbatim: the message is formatted already, and "#" lines (Markdown headings) are text, not comments.
  await git(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--cleanup=verbatim', '--file=-'], {
    ...at,
    input: formatCommitMessage(input.message, { runId, taskId, stepId }),
    env: identityEnv(settings.identity),
  });
  return { commit: await headCommit(at), changed };
}

/**
 * Takes every new gitlink out of the index: a commit of Planwright never adds a submodule (its URL and its config
 * would steer the worker's git in every later checkout of the commit).
 */
async function unstageGitlinks(at: ReturnType<typeof inCheckout>): Promise<void> {
  const { stdout } = await git(['diff', '--cached', '--raw', '-z', '--no-renames', '--no-ext-diff', 'HEAD'], at);
  const fields = splitNul(stdout);
  const gitlinks: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i]!.split(' ')[1] === '160000') gitlinks.push(fields[i + 1]!);
  }
  // reset, not rm: a new gitlink leaves the index, and one the base had goes back to the base's commit.
  if (gitlinks.length > 0) await git(['--literal-pathspecs', 'reset', '--quiet', 'HEAD', '--', ...gitlinks], at);
}
