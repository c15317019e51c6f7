import type { AgentTurnReply, RawToolCall, TranscriptItem } from '../domain/agent-loop';
import { MAX_SUMMARY_CHARS } from '../domain/limits';
import { hashString } from './random';
import type { ScriptedToolCall, ScriptedToolTurn } from './scenario';
import { taskFiles, type AgentFile } from './tool-agent-files';
import { argumentsOf, exitCodeOf, isFailure, outputOf, readRound, type AgentRound } from './tool-round';

/**
 * The simulator as a tool-using agent. Each turn is decided from the conversation alone (same conversation, same
 * answer), so a retried request gets the same calls. Without a script it does a small, working code task: look
 * around, write a module and its test, run the first verify command (once more if it fails), finish. With a script it
 * plays the scripted calls verbatim, whatever their names and arguments, which is how tests drive hostile agents.
 */

/** A request that offers tools, as the agent sees it. */
export interface ToolConversation {
  /** Names of the tools the request offers; the default agent calls no other. */
  offered: readonly string[];
  /** False when the request sets parallel_tool_calls: false: one call per turn. */
  parallel: boolean;
  transcript: readonly TranscriptItem[];
}

/** A task's scripted tool calls (scenario `toolScript`) and what follows them (`toolScriptEnd`). */
export interface ToolScript {
  turns: readonly ScriptedToolTurn[];
  end: 'finish' | 'repeat-last' | 'text';
}

interface PlannedCall {
  name: string;
  /** A string is sent verbatim as the arguments text. */
  args: unknown;
}

export function nextAgentTurn(conversation: ToolConversation, script?: ToolScript): AgentTurnReply {
  const round = readRound(conversation.transcript);
  const planned = script && script.turns.length > 0 ? scriptedTurn(round, script) : defaultTurn(round, conversation);
  // Call ids derive from the conversation, not from a counter: a retried request gets the same ids.
  const stem = hashString(JSON.stringify(conversation.transcript)).toString(36);
  const toolCalls: RawToolCall[] = planned.calls.map((c, i) => ({
    id: `call_${stem}_${i}`,
    name: c.name,
    arguments: typeof c.args === 'string' ? c.args : c.args === undefined ? '{}' : JSON.stringify(c.args),
  }));
  return { text: planned.text, toolCalls };
}

/**
 * The script's next turn. Turns are counted by calls already made in the round (the recap's included), so a
 * conversation rebuilt on another worker goes on where it left off.
 */
function scriptedTurn(round: AgentRound, script: ToolScript): { text: string; calls: PlannedCall[] } {
  const made = round.recap.length + round.calls.length;
  let consumed = 0;
  for (const turn of script.turns) {
    if (consumed >= made) return { text: '', calls: asCalls(turn) };
    consumed += asCalls(turn).length;
  }
  const summary = `Played the ${script.turns.length} scripted turns of task ${round.task.id}.`;
  if (script.end === 'repeat-last') return { text: '', calls: asCalls(script.turns.at(-1)!) };
  if (script.end === 'text') return { text: summary, calls: [] };
  return { text: '', calls: [{ name: 'finish', args: { summary } }] };
}

const asCalls = (turn: ScriptedToolTurn): PlannedCall[] =>
  (Array.isArray(turn) ? turn : [turn]).map((c: ScriptedToolCall) => ({ name: c.tool, args: c.arguments }));

const PACKAGE_JSON = 'package.json';

function defaultTurn(round: AgentRound, conversation: ToolConversation): { text: string; calls: PlannedCall[] } {
  const offers = (name: string) => conversation.offered.includes(name);
  const callsOf = (name: string) => round.calls.filter((c) => c.name === name);
  const recapped = (prefix: string) => round.recap.some((s) => s === prefix || s.startsWith(`${prefix} `));
  const result = (call: RawToolCall | undefined) => (call ? round.results.get(call.id) : undefined);

  const pkgRead = callsOf('read_file').find((c) => argumentsOf(c)?.path === PACKAGE_JSON);
  const pkg = outputOf(result(pkgRead));
  const esm = pkg !== undefined && /"type"\s*:\s*"module"/.test(pkg);
  const files = taskFiles(round.task, esm);
  const wrote = (f: AgentFile) =>
    callsOf('write_file').some((c) => argumentsOf(c)?.path === f.path) || recapped(`write ${f.path}`);
  const toWrite = offers('write_file') ? [files.module, files.test].filter((f) => !wrote(f)) : [];

  // Look around first: the listing, and package.json, which says whether .js files are ES modules.
  const explore: PlannedCall[] = [];
  if (offers('list_files') && callsOf('list_files').length === 0 && !recapped('list')) {
    explore.push({ name: 'list_files', args: { path: null } });
  }
  // A recap says package.json was read but not what it said: read it again while files are still to be written.
  const needPackage = pkgRead === undefined && (toWrite.length > 0 || !recapped(`read ${PACKAGE_JSON}`));
  if (offers('read_file') && needPackage) {
    explore.push({ name: 'read_file', args: { path: PACKAGE_JSON, startLine: null, endLine: null } });
  }
  if (explore.length > 0) return { text: '', calls: conversation.parallel ? explore : explore.slice(0, 1) };

  const next = toWrite[0];
  if (next) return { text: '', calls: [{ name: 'write_file', args: { path: next.path, content: next.content } }] };

  const command = round.verify[0];
  const runs = command === undefined ? [] : verifyRuns(round, command);
  // One retry after a non-zero exit, as an agent that suspects a flaky check would; then it finishes anyway.
  if (command !== undefined && offers('run_command') && (runs.length === 0 || (runs.length === 1 && runs[0]! > 0))) {
    return { text: '', calls: [{ name: 'run_command', args: { command } }] };
  }
  const summary = finishSummary(round, conversation, files, command, runs);
  return offers('finish') ? { text: '', calls: [{ name: 'finish', args: { summary } }] } : { text: summary, calls: [] };
}

/**
 * Exit codes of the runs of `command` in the round, recapped ones first; a run whose result tells no exit code (a
 * refusal, a killed command) counts as -1, which is never retried.
 */
function verifyRuns(round: AgentRound, command: string): number[] {
  const codes: number[] = [];
  for (const step of round.recap) {
    if (!step.startsWith(`run ${command}`)) continue;
    const m = / → exit (-?\d+)$/.exec(step);
    codes.push(m ? Number(m[1]) : -1);
  }
  for (const call of round.calls) {
    if (call.name !== 'run_command' || argumentsOf(call)?.command !== command) continue;
    const code = exitCodeOf(round.results.get(call.id));
    codes.push(typeof code === 'number' ? code : -1);
  }
  return codes;
}

function finishSummary(
  round: AgentRound,
  conversation: ToolConversation,
  files: ReturnType<typeof taskFiles>,
  command: string | undefined,
  runs: number[],
): string {
  const parts: string[] = [];
  if (conversation.offered.includes('write_file')) {
    const failed = [files.module, files.test].filter((f) => {
      const call = round.calls.find((c) => c.name === 'write_file' && argumentsOf(c)?.path === f.path);
      return call !== undefined && isFailure(round.results.get(call.id));
    });
    parts.push(
      `Added ${files.module.path} (exports ${files.exports.join(' and ')}) and ${files.test.path}, a node:test suite for it.`,
    );
    if (failed.length > 0) parts.push(`Writing ${failed.map((f) => f.path).join(' and ')} was refused.`);
  } else {
    parts.push('Changed nothing: no write_file tool was offered, so I only looked at the workspace.');
  }
  if (command === undefined) parts.push('No verify command was given, so none was run.');
  else if (!conversation.offered.includes('run_command'))
    parts.push(`run_command was not offered: ${command} not run.`);
  else if (runs.at(-1) === 0) parts.push(`${command} passed.`);
  else if (runs.at(-1) === -1) parts.push(`${command} did not report an exit code.`);
  else if (runs.length > 0) parts.push(`${command} still fails (exit ${runs.at(-1)}) after ${runs.length} runs.`);
  if (round.revision) parts.push(round.revision);
  const summary = parts.join(' ');
  return summary.length > MAX_SUMMARY_CHARS ? `${summary.slice(0, MAX_SUMMARY_CHARS - 1)}…` : summary;
}
