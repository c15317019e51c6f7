/** The task queue every workspace-capable worker polls for work that may run on any of them (opening, checkouts). */
export function workspaceQueueOf(taskQueue: string): string {
  return `${taskQueue}-workspace`;
}

/**
 * What a person is told when no worker takes a run's workspace work: the run waits (a worker may start any moment,
 * and a rolling deploy must not fail runs), and why a worker that runs may still take none.
 */
export function noWorkspaceWorkerWarning(taskQueue: string): string {
  return (
    `no worker polls the workspace queue "${workspaceQueueOf(taskQueue)}": the run waits until one does. Workers that ` +
    'cannot sandbox commands take no workspace work and say why when they start (install bubblewrap: ' +
    '`npx planwright setup`; in a container, see docs/docker.md)'
  );
}

/** How long a run waits for a worker to open its workspace before it says so (status, webhook), unless its input says. */
export const DEFAULT_WORKSPACE_WAIT_NOTICE_SECONDS = 60;
