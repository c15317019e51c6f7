/** Task ids appear in child workflow ids (`<runId>/<taskId>`) and branch names, so they are short and URL-safe. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
