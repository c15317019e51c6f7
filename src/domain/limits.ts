/** Hard bounds on what a plan and a run may contain; they keep workflow histories far from Temporal's limits. */

/** Most tasks one plan may hold. */
export const MAX_TASKS = 5000;
/** Longest goal text accepted, in characters. */
export const MAX_GOAL_CHARS = 8000;
/** Longest task title, in characters. */
export const MAX_TITLE_CHARS = 200;
/** Longest task description, in characters. */
export const MAX_DESCRIPTION_CHARS = 4000;
/** Most acceptance criteria per task. */
export const MAX_CRITERIA = 12;
/** Longest single acceptance criterion, in characters. */
export const MAX_CRITERION_CHARS = 500;
/** Most dependencies per task. */
export const MAX_DEPS = 50;
/** Highest concurrency cap a run may ask for (Temporal allows 2,000 pending children per workflow). */
export const MAX_CONCURRENCY = 500;
/** Longest task summary carried in a child's result and handed to dependents, in characters. */
export const MAX_SUMMARY_CHARS = 1500;
/** Most characters of dependency context handed to one implementer call. */
export const MAX_DEPENDENCY_CONTEXT_CHARS = 12000;
/** Most review rounds a task may be configured for. */
export const MAX_REVIEW_ROUNDS = 10;
/** Runs with more tasks than this list only the tasks that did not succeed in status and reports (2 MiB payloads). */
export const MAX_TASKS_IN_VIEW = 1000;
/** Attempts per model-call activity: transient provider errors are retried by Temporal, never forever. */
export const MODEL_CALL_MAX_ATTEMPTS = 5;
/** Refused messages a run or task keeps in its state (the newest); older ones are only counted. */
export const MAX_REFUSALS_KEPT = 10;
/** Refused approvals and denials kept as "rejected" budget decisions; past this they are only counted. */
export const MAX_REJECTED_DECISIONS = 50;

// Agents that act: bounds on tool inputs and results, and on the workspace policy a run records in its history.

/** Most characters of one tool result the model sees; longer output is cut in the middle and marked. */
export const MAX_TOOL_OUTPUT_CHARS = 20000;
/** Most lines one read_file call returns. */
export const MAX_READ_LINES = 400;
/** Most paths one list_files call returns. */
export const MAX_LIST_ENTRIES = 500;
/** Most matching lines one search call returns. */
export const MAX_SEARCH_MATCHES = 200;
/** Longest text one write_file or edit_file call may carry, in characters. */
export const MAX_WRITE_CHARS = 200_000;
/** Most tool calls a policy may allow an agent in one implementation round. */
export const MAX_STEPS_PER_ROUND = 200;
/** Highest tool-call limit a policy may set, per task or per run. */
export const MAX_TOOL_CALLS = 1_000_000;
/** Longest a policy may let one command run, in seconds. */
export const MAX_COMMAND_TIMEOUT_SECONDS = 1800;
/** Longest workspace path a tool accepts, in characters. */
export const MAX_PATH_CHARS = 1024;
/** Longest glob a policy may hold, in characters. */
export const MAX_GLOB_CHARS = 256;
/** Most patterns one glob's braces may expand to (`{a,b}/{c,d}` is four). */
export const MAX_GLOB_EXPANSIONS = 64;
/** Longest command line accepted, in characters. */
export const MAX_COMMAND_CHARS = 2000;
/** Most entries in each list of a workspace policy (tools, commands, allowed paths, verify commands). */
export const MAX_POLICY_ENTRIES = 50;
/** Longest one-line step summary shown in the Web UI, in characters. */
export const MAX_STEP_SUMMARY_CHARS = 120;
