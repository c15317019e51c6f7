import type { TaskView } from '../../src/domain/run';

/** A task as the run's status shows it, with everything not given at its resting value. */
export function taskView(id: string, status: TaskView['status'], extra: Partial<TaskView> = {}): TaskView {
  return {
    id,
    title: id,
    agentType: 'code',
    status,
    deps: [],
    allocatedMillicredits: 5000,
    grantedMillicredits: 0,
    spentMillicredits: 0,
    reviewRounds: 0,
    modelCalls: 0,
    workflowId: `run/${id}`,
    ...extra,
  };
}

/** ISO time `seconds` after a fixed instant, for views and events. */
export const secondsAfterStart = (seconds: number) =>
  new Date(Date.parse('2026-11-21T10:00:00.000Z') + seconds * 1000).toISOString();
