/** The task queue every workspace-capable worker polls for work that may run on any of them (opening, checkouts). */
export function workspaceQueueOf(taskQueue: string): string {
  return `${taskQueue}-workspace`;
}
