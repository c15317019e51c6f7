import type { TranscriptItem } from './agent-loop';
import { OUTPUT_RULES } from './agents';
import { implementerMessages, VERIFY_LINE_PREFIX } from './prompts';
import type { WorkspacePolicy } from './workspace-policy-schema';

/**
 * The opening of an acting implementer's conversation: the agent's instructions plus how to work with tools, then the
 * task as text agents get it, with what the checkout holds and which checks Planwright runs after the round.
 */
export function actingImplementerTranscript(
  args: Parameters<typeof implementerMessages>[0] & {
    policy: WorkspacePolicy;
    /** Summaries of the steps taken so far, when the conversation is rebuilt on another worker. */
    recap?: readonly string[] | undefined;
  },
): TranscriptItem[] {
  const [system, user] = implementerMessages(args);
  const lines = [
    user!.content,
    '# Your workspace',
    'You work in a git checkout of the repository through the tools you are given: read what is there before you ' +
      'change it, write complete files, run the checks you are allowed to run, and call finish with a short summary ' +
      'when the work is done. Planwright commits every change you make.',
    `Writable paths: ${args.policy.allowPaths.join(', ') || 'none'}.`,
  ];
  if (args.policy.verify.length > 0) {
    lines.push(
      `After your round Planwright runs these checks; the task passes only when every one exits 0.`,
      `${VERIFY_LINE_PREFIX}${JSON.stringify(args.policy.verify)}`,
    );
  }
  if (args.recap?.length) {
    lines.push(
      '',
      '# Steps already taken',
      'Your work moved to another machine; these steps were taken and their changes are in the checkout:',
      ...args.recap.map((s) => `- ${s}`),
    );
  }
  return [
    { role: 'system', content: actingInstructions(system!.content) },
    { role: 'user', content: lines.join('\n') },
  ];
}

/**
 * An agent's instructions for acting: the built-in agents' rule to return the work as artifacts gives way to working
 * through tools; a custom agent's instructions get the tool rules added.
 */
function actingInstructions(instructions: string): string {
  return instructions.includes(OUTPUT_RULES)
    ? instructions.replace(OUTPUT_RULES, ACTING_INSTRUCTIONS)
    : `${instructions}\n\n${ACTING_INSTRUCTIONS}`;
}

const ACTING_INSTRUCTIONS =
  'You act through tools. Every tool call returns a result you read before the next step. Keep changes to what the ' +
  'task asks; do not touch unrelated files. When you are done, call finish once with what you changed and how you ' +
  'checked it. Meet every acceptance criterion; when reviewer feedback is given, address each required fix.';

/** What the model is told when a turn answers with text and no tool call. */
export const NUDGE_TO_USE_TOOLS =
  'Use the tools to do the work, and call finish when you are done; text answers are not saved.';
