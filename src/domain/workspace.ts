import { z } from 'zod';
import { checkRefName, checkStepId, isCommitId } from './git-refs';
import { TASK_ID_PATTERN } from './plan';
import { checkRunId } from './task-address';

/**
 * What crosses the workflow/activity boundary for a run's git workspace: the run's repository, a task's checkout, a
 * step's commit, pushes, merges and diffs. Plain JSON; paths are the worker's own (a checkout is only usable on the
 * worker that made it).
 */

export * from './workspace-failures';

/** Forms a repository location takes: a local path, a file/http(s)/ssh/git URL, or scp-like `[user@]host:path`. */
const URL_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/;
const HELPER_FORM = /^[A-Za-z][A-Za-z0-9+.-]*::/;
const SCP_FORM = /^(?:([^@/]+)@)?([^:/]+):(?!\/\/)/;
const SCHEMES = new Set(['file', 'http', 'https', 'ssh', 'git', 'git+ssh', 'ssh+git']);

/** True for a location git reaches on this machine's disk: a path or a file:// URL (git's own rule for "local"). */
export function isLocalRepoLocation(location: string): boolean {
  if (location.startsWith('file://')) return true;
  if (URL_FORM.test(location)) return false;
  // git reads "host:path" as ssh unless a "/" comes before the ":" (then it is a path that happens to hold one).
  const colon = location.indexOf(':');
  return colon < 0 || location.slice(0, colon).includes('/');
}

/**
 * Why `location` cannot be a run's repository, or undefined when it can. Credentials never come from run input (the
 * worker's credential helper or environment provides them), remote helpers (`ext::`, `fd::`) can run commands, and a
 * leading "-" would read as an option.
 */
export function checkRepoLocation(location: string): string | undefined {
  if (!location.trim()) return 'the repository location is empty';

  if (/[\u0000-\u001f\u007f]/.test(location)) return 'the repository location contains control characters';
  if (location.startsWith('-')) return 'the repository location cannot start with "-"';
  if (HELPER_FORM.test(location)) {
    return 'remote-helper locations ("<transport>::<address>") are not accepted: use a path or an http(s), ssh or git URL';
  }
  const url = URL_FORM.exec(location);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    if (!SCHEMES.has(scheme))
      return `unsupported URL scheme "${scheme}": use a path or an http(s), ssh, git or file URL`;
    const userinfo = url[2]!.includes('@') ? url[2]!.slice(0, url[2]!.lastIndexOf('@')) : undefined;
    if (userinfo !== undefined && (userinfo.includes(':') || scheme === 'http' || scheme === 'https')) {
      return 'the URL carries credentials: remove them and configure them on the workers (a git credential helper)';
    }
    return undefined;
  }
  if (!isLocalRepoLocation(location)) {
    const scp = SCP_FORM.exec(location);
    if (scp?.[1]?.includes(':')) return 'the location carries a password: use an ssh key on the workers instead';
  }
  return undefined;
}

export const CommitId = z
  .string()
  .refine(isCommitId, 'expected a full commit id (40 or 64 lower-case hex digits)')
  .describe('A full commit id');
export type CommitId = z.infer<typeof CommitId>;

export const RepoLocation = z
  .string()
  .superRefine((value, ctx) => {
    const problem = checkRepoLocation(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A git repository: a local path, a file/http(s)/ssh/git URL or scp-like host:path, without credentials');

const RunId = z
  .string()
  .superRefine((value, ctx) => {
    const problem = checkRunId(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe("The run's workflow id");
const TaskId = z
  .string()
  .regex(TASK_ID_PATTERN, 'use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit')
  .describe('The task id, unique within the plan');
const StepId = z
  .string()
  .superRefine((value, ctx) => {
    const problem = checkStepId(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe("A step's id, unique within its task: it marks the step's commit so a retried step is not applied twice");
const BranchName = z
  .string()
  .superRefine((value, ctx) => {
    const problem = checkRefName(`refs/heads/${value}`);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A branch name without refs/heads/, such as planwright/<runId>/<taskId>');

export const OpenRunRepositoryInput = z.object({
  runId: RunId,
  repo: RepoLocation.optional().describe("The user's repository (--repo); absent: a new bare repository for the run"),
  base: z
    .string()
    .min(1)
    .optional()
    .describe("What tasks start from (--base): a branch, tag, full ref or commit id; absent: the remote's HEAD"),
});
export type OpenRunRepositoryInput = z.infer<typeof OpenRunRepositoryInput>;

export const RunRepository = z.object({
  remote: z.string().describe('Where every worker fetches from and pushes to: an absolute path or a URL'),
  base: CommitId.describe('The commit tasks start from, resolved once when the run started'),
  baseRef: z.string().describe('What the base was resolved from: a full ref name, or the commit id itself'),
  created: z.boolean().describe('True when Planwright created this repository for the run'),
});
export type RunRepository = z.infer<typeof RunRepository>;

export const CheckoutMode = z
  .enum(['clone', 'worktree'])
  .describe(
    'clone: a repository of its own borrowing the cache through alternates (the agent cannot reach the cache); ' +
      'worktree: a linked worktree of the cache (shares its config and refs)',
  );
export type CheckoutMode = z.infer<typeof CheckoutMode>;

/** A task's checkout on one worker: passed back to every later operation on it. */
export const Checkout = z.object({
  dir: z.string().describe("The checkout's working tree: an absolute path on the worker that prepared it"),
  gitDir: z.string().describe("The checkout's git directory, given to git explicitly (never discovered)"),
  cache: z.string().describe("The worker's cache repository the checkout borrows objects from"),
  remote: z.string().describe("The run's repository the checkout was prepared from"),
  commit: CommitId.describe('The commit the checkout was prepared at'),
  mode: CheckoutMode.describe('How the checkout was made'),
  partial: z.boolean().describe('True when the cache is a partial (blobless) clone: missing blobs come on demand'),
});
export type Checkout = z.infer<typeof Checkout>;

/** A checkout as a field of another input. */
const CheckoutField = Checkout.describe('The checkout, as prepareCheckout returned it on this worker');

export const PrepareCheckoutInput = z.object({
  remote: z.string().min(1).describe("The run's repository (RunRepository.remote)"),
  commit: CommitId.describe('The commit to check out (detached)'),
  runId: RunId,
  taskId: TaskId,
});
export type PrepareCheckoutInput = z.infer<typeof PrepareCheckoutInput>;

export const PreparedCheckout = z.object({
  checkout: CheckoutField,
  submodules: z.array(z.string()).describe('Paths of the submodules initialised, recursively; empty when none'),
  lfs: z
    .enum(['none', 'pulled', 'skipped'])
    .describe('none: no Git LFS files; pulled: fetched with git lfs pull; skipped: left as pointers (lfs: "skip")'),
});
export type PreparedCheckout = z.infer<typeof PreparedCheckout>;

export const CommitStepInput = z.object({
  checkout: CheckoutField,
  runId: RunId,
  taskId: TaskId,
  stepId: StepId,
  message: z.string().max(100_000).describe("The commit message; Planwright's trailers are appended to it"),
});
export type CommitStepInput = z.infer<typeof CommitStepInput>;

export const CommitStepResult = z.union([
  z.object({
    commit: CommitId.describe("The step's commit"),
    changed: z.array(z.string()).describe('Paths the commit added, modified or deleted, in git order'),
  }),
  z.object({ commit: z.undefined().describe('Nothing changed: no commit was made') }),
]);
export type CommitStepResult = z.infer<typeof CommitStepResult>;

export const PushTaskBranchInput = z.object({
  checkout: CheckoutField,
  remote: z.string().min(1).describe("Where to push: the run's repository"),
  branch: BranchName,
  expectedOld: CommitId.nullable().describe(
    "The branch's commit on the remote before this push; null: it must not exist",
  ),
});
export type PushTaskBranchInput = z.infer<typeof PushTaskBranchInput>;

export const PushTaskBranchResult = z.object({
  branch: z.string().describe('The branch pushed, without refs/heads/'),
  commit: CommitId.describe('The commit the branch now points at'),
  previous: CommitId.nullable().describe('What it pointed at before; null when the push created it'),
});
export type PushTaskBranchResult = z.infer<typeof PushTaskBranchResult>;

export const FindStepInput = z.object({
  remote: z.string().min(1).describe("The run's repository"),
  branch: BranchName,
  runId: RunId,
  taskId: TaskId,
  stepId: StepId,
});
export type FindStepInput = z.infer<typeof FindStepInput>;

export const FindStepResult = z.union([
  z.object({
    found: z.literal(true).describe("The step's commit is on the branch"),
    commit: CommitId.describe("The step's commit"),
    head: CommitId.describe("The branch's commit on the remote, the expectedOld of the next push"),
  }),
  z.object({
    found: z.literal(false).describe('No commit on the branch carries the step trailer'),
    head: CommitId.nullable().describe("The branch's commit on the remote; null when the branch does not exist"),
  }),
]);
export type FindStepResult = z.infer<typeof FindStepResult>;

export const MergeBranchesInput = z.object({
  checkout: CheckoutField,
  branches: z.array(BranchName).min(1).max(64).describe('Branches of the remote to merge into the checkout, in order'),
  runId: RunId,
  taskId: TaskId,
});
export type MergeBranchesInput = z.infer<typeof MergeBranchesInput>;

export const MergeBranchesResult = z.union([
  z.object({
    ok: z.literal(true).describe('Every branch merged'),
    commit: CommitId.describe("The checkout's HEAD after the merges"),
  }),
  z.object({
    ok: z.literal(false).describe('A merge conflicted; the checkout is back where it was before that merge'),
    branch: z.string().describe('The branch whose merge conflicted'),
    conflicts: z.array(z.string()).describe('Paths with conflicts'),
  }),
]);
export type MergeBranchesResult = z.infer<typeof MergeBranchesResult>;

const DiffRange = {
  checkout: CheckoutField,
  from: z.string().min(1).describe('Older side: a commit id or a ref of the checkout'),
  to: z.string().min(1).optional().describe("Newer side; absent: the checkout's HEAD"),
};

export const DiffInput = z.object({
  ...DiffRange,
  maxBytes: z.number().int().min(1).max(16_000_000).optional().describe('Most bytes of diff text; default 256 KiB'),
});
export type DiffInput = z.infer<typeof DiffInput>;

export const DiffText = z.object({
  text: z.string().describe('The unified diff, cut at a line end when over maxBytes'),
  truncated: z.boolean().describe('True when the diff was longer than maxBytes'),
});
export type DiffText = z.infer<typeof DiffText>;

export const DiffSummaryInput = z.object({
  ...DiffRange,
  maxFiles: z.number().int().min(1).max(100_000).optional().describe('Most files listed; default 1,000'),
});
export type DiffSummaryInput = z.infer<typeof DiffSummaryInput>;

export const DiffSummary = z.object({
  files: z
    .array(
      z.object({
        path: z.string().describe('Path after the change'),
        oldPath: z.string().optional().describe('Path before, for a rename or copy'),
        added: z.number().int().nullable().describe('Lines added; null for a binary file'),
        deleted: z.number().int().nullable().describe('Lines deleted; null for a binary file'),
      }),
    )
    .describe('Files changed, at most maxFiles'),
  totalFiles: z.number().int().describe('Files changed in all'),
  added: z.number().int().describe('Lines added in all'),
  deleted: z.number().int().describe('Lines deleted in all'),
  truncated: z.boolean().describe('True when more files changed than are listed'),
});
export type DiffSummary = z.infer<typeof DiffSummary>;
