import type { RawToolCall, TranscriptItem } from '../domain/agent-loop';
import { HEADINGS, VERIFY_LINE_PREFIX } from '../domain/prompts';
import { section } from './answers';
import type { TaskBrief } from './tool-agent-files';

/**
 * What a tool-using agent's conversation says about the round under way: the task, its verify commands, the calls
 * made so far with their results, and the steps a rebuilt conversation recaps. Read from the prompt's stable
 * headings (src/domain/prompts.ts, acting-prompts.ts), so that the simulated agent decides from the conversation alone.
 */
export interface AgentRound {
  task: TaskBrief;
  /** The verify commands of the VERIFY line, in order; empty when there is none. */
  verify: string[];
  /** A line for the finish summary when the round answers reviewer feedback or a failed check; undefined otherwise. */
  revision: string | undefined;
  /** The calls made since the round's opening message, in order. */
  calls: RawToolCall[];
  /** Result text by call id. */
  results: Map<string, string>;
  /** Step summaries of `# Steps already taken` (`write src/a.js`, `run npm test → exit 1`): done on another worker. */
  recap: string[];
}

const RECAP_HEADING = '# Steps already taken';
const TASK_LINE = new RegExp(`^${HEADINGS.task} ([^:\\n]+): (.*)$`, 'm');
// A failed check told in prose; the VERIFY line itself (which may name any command) is left out before matching.
const VERIFY_FAILURE = /\bverify\b[^\n]*\b(fail(ed|s)?|exit(ed)?( code)? [1-9])/i;

/** Reads the round from the transcript. A round opens at the last user message that sets work (task, feedback). */
export function readRound(transcript: readonly TranscriptItem[]): AgentRound {
  let open = -1;
  for (let i = transcript.length - 1; i >= 0 && open < 0; i--) {
    const item = transcript[i]!;
    if (item.role === 'user' && opensRound(item.content)) open = i;
  }
  // Without a recognisable opening (a bare prompt), the whole conversation is the round.
  const opening = open >= 0 ? (transcript[open] as { content: string }).content : '';
  // The task is told once: a later opening (feedback in the same conversation) refers back to it.
  const userTexts = transcript.flatMap((i) => (i.role === 'user' ? [i.content] : []));
  const taskText = [...userTexts].reverse().find((t) => TASK_LINE.test(t)) ?? userTexts[0] ?? '';
  const calls: RawToolCall[] = [];
  const results = new Map<string, string>();
  for (const item of transcript.slice(open + 1)) {
    if (item.role === 'assistant') calls.push(...item.toolCalls);
    else if (item.role === 'tool') results.set(item.callId, item.content);
  }
  const header = TASK_LINE.exec(taskText);
  return {
    task: {
      id: header?.[1]?.trim() ?? 'task',
      title: header?.[2]?.trim() ?? 'the task',
      criteria: section(taskText, HEADINGS.criteria)
        .map((l) => /^\d+\. (.*)$/.exec(l)?.[1])
        .filter((c): c is string => !!c),
    },
    verify: verifyCommands(taskText),
    revision: revisionNote(opening),
    calls,
    results,
    recap: section(opening, RECAP_HEADING)
      .map((l) => /^- (.*)$/.exec(l)?.[1])
      .filter((s): s is string => !!s),
  };
}

function opensRound(text: string): boolean {
  return TASK_LINE.test(text) || text.includes(HEADINGS.feedback) || VERIFY_FAILURE.test(withoutVerifyLine(text));
}

function withoutVerifyLine(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith(VERIFY_LINE_PREFIX))
    .join('\n');
}

function verifyCommands(text: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(VERIFY_LINE_PREFIX));
  if (!line) return [];
  try {
    const parsed: unknown = JSON.parse(line.slice(VERIFY_LINE_PREFIX.length));
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string' && c.trim() !== '') : [];
  } catch {
    return [];
  }
}

function revisionNote(opening: string): string | undefined {
  const feedback = section(opening, HEADINGS.feedback);
  if (opening.includes(HEADINGS.feedback)) {
    const fix = feedback.map((l) => /^- (.*)$/.exec(l)?.[1]).find((f) => !!f);
    return `Revised after review: ${fix ?? feedback.find((l) => l.trim() !== '') ?? 'the reviewer asked for changes'}.`;
  }
  if (VERIFY_FAILURE.test(withoutVerifyLine(opening))) return 'Revised after a verify command failed.';
  return undefined;
}

/** The parsed arguments of a call, or undefined when they are not a JSON object. */
export function argumentsOf(call: RawToolCall): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(call.arguments);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The exit code a run_command result reports: the ToolResult JSON's `exitCode`, or an `exit N` / `exit code: N` in
 * plain text; null when the command was killed; undefined when the result says nothing about one (a refusal).
 */
export function exitCodeOf(result: string | undefined): number | null | undefined {
  if (result === undefined) return undefined;
  try {
    const parsed = JSON.parse(result) as { exitCode?: unknown };
    if (parsed && typeof parsed === 'object') {
      return typeof parsed.exitCode === 'number' || parsed.exitCode === null ? parsed.exitCode : undefined;
    }
  } catch {
    // Not JSON: read the text.
  }
  const m = /\bexit(?:ed)?(?: with)?(?: code)?\s*[:=]?\s*(-?\d+)/i.exec(result);
  return m ? Number(m[1]) : undefined;
}

/** A result's output: the ToolResult JSON's `output`, or the text itself; undefined for a refusal or no result. */
export function outputOf(result: string | undefined): string | undefined {
  if (result === undefined || isFailure(result)) return undefined;
  try {
    const parsed = JSON.parse(result) as { output?: unknown };
    if (parsed && typeof parsed === 'object' && typeof parsed.output === 'string') return parsed.output;
  } catch {
    // Not JSON: the text is the output.
  }
  return result;
}

/** Whether a result says the tool refused or failed (ToolResult `ok: false`, or text opening with `error`). */
export function isFailure(result: string | undefined): boolean {
  if (result === undefined) return false;
  try {
    const parsed = JSON.parse(result) as { ok?: unknown };
    if (parsed && typeof parsed === 'object') return parsed.ok === false;
  } catch {
    // Not JSON: read the text.
  }
  return /^\s*error\b/i.test(result);
}
