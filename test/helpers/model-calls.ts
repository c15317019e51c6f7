import { DefaultLogger } from '@temporalio/worker';
import type { ImplementTaskInput } from '../../src/domain/activity-contracts';

/** Expected failures are the point of model-layer tests; the SDK would log each one. */
export const quietActivityLogs = { logger: new DefaultLogger('ERROR') };

/** The input of one implementTask call for a small code task, with `available` millicredits to spend. */
export function implementInput(available = 50_000): ImplementTaskInput {
  return {
    goal: 'Write a parser',
    task: {
      id: 't1',
      title: 'Write the parser',
      description: 'A CSV parser',
      deps: [],
      agentType: 'code',
      effort: 2,
      acceptanceCriteria: ['Parses quoted fields'],
      artifacts: ['src/parser.ts'],
      critical: false,
    },
    dependencies: [],
    round: 1,
    availableMillicredits: available,
  };
}

/** The tool results a model read, in order, from a simulator request's raw messages (Chat Completions shape). */
export function toolResultsOf(messages: unknown[]): string[] {
  return (messages as { role: string; content: unknown }[])
    .filter((m) => m.role === 'tool')
    .map((m) => String(m.content));
}
