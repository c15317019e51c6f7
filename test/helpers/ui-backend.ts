import type { Delivered } from '../../src/client';
import type { BudgetAnswer } from '../../src/domain/approvals';
import type { PlanInput } from '../../src/domain/plan';
import type { TaskStatus } from '../../src/domain/run';
import type { RunDetails, TaskDetails } from '../../src/domain/run-details';
import { runMetrics } from '../../src/domain/run-metrics';
import type { HoldAnswer } from '../../src/domain/task-failures';
import type { ToolCallAnswer } from '../../src/domain/tool-approvals';
import { UserError } from '../../src/infra/errors';
import type { UiBackend } from '../../src/ui/backend';

/**
 * A stand-in for Temporal behind the UI server: runs held in memory, decisions recorded. For tests of the server's
 * own rules (security, refusals, input checks) and of the page on plans too large to run for real in a test.
 */

/** A run's details for `plan`, every task in `status` unless `statuses` says otherwise. */
export function detailsOf(
  runId: string,
  plan: PlanInput,
  options: { live?: boolean; status?: TaskStatus; statuses?: Record<string, TaskStatus> } = {},
): RunDetails {
  const startedAt = '2026-11-21T10:00:00.000Z';
  const graph = plan.tasks.map((t) => ({
    id: t.id,
    title: t.title,
    agentType: t.agentType ?? 'general',
    effort: t.effort ?? 2,
    deps: t.deps ?? [],
    status: options.statuses?.[t.id] ?? options.status ?? 'pending',
  }));
  const counts: Record<string, number> = {};
  for (const n of graph) counts[n.status] = (counts[n.status] ?? 0) + 1;
  return {
    view: {
      runId,
      goal: plan.goal,
      status: 'running',
      budgetMillicredits: 100_000,
      approvedExtraMillicredits: 0,
      poolMillicredits: 20_000,
      spentMillicredits: 0,
      counts,
      tasks: [],
      pendingApprovals: [],
      decisions: [],
      metrics: runMetrics([]),
      startedAt,
    },
    live: options.live ?? true,
    graph,
    criticalPath: graph.length ? [graph[0]!.id] : [],
    credits: [{ at: startedAt, spentMillicredits: 0, budgetMillicredits: 100_000 }],
    webUiUrl: `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(runId)}`,
  };
}

export interface FakeBackend extends UiBackend {
  runs: Map<string, RunDetails>;
  /** Every decision sent, with the name it was sent in. */
  sent: { kind: string; runId: string; request: unknown }[];
  /** The run's answer to the next decisions; default: accepted. "signalled": no worker answered the Update. */
  answer: { accepted: boolean; reason?: string } | 'signalled';
  /** Reads of each run, for tests of the shared poller. */
  reads: Map<string, number>;
}

export function createFakeBackend(runs: RunDetails[] = []): FakeBackend {
  const backend: FakeBackend = {
    namespace: 'default',
    runs: new Map(runs.map((r) => [r.view.runId, r])),
    sent: [],
    answer: { accepted: true },
    reads: new Map(),
    // As the search attributes say: a run with a task waiting for a person is "awaiting_approval".
    listRuns: async () =>
      [...backend.runs.values()].map((r) => ({
        runId: r.view.runId,
        status: r.view.pendingApprovals.length ? 'awaiting_approval' : r.view.status,
        pendingApprovals: r.view.pendingApprovals.length,
        startedAt: r.view.startedAt,
      })),
    listWaiting: async () => ({
      tasks: [...backend.runs.values()].flatMap((r) =>
        r.view.pendingApprovals.map((p) => ({ runId: r.view.runId, ...p })),
      ),
      toolCalls: [],
      holding: [],
    }),
    readRun: async (runId) => {
      backend.reads.set(runId, (backend.reads.get(runId) ?? 0) + 1);
      const run = backend.runs.get(runId);
      if (!run) throw new UserError(`no run with id "${runId}"`);
      // A copy, as a real read would return: the server must not see later changes through it.
      return structuredClone(run);
    },
    readTask: async (runId, taskId) => {
      const run = backend.runs.get(runId);
      if (!run) throw new UserError(`no run with id "${runId}"`);
      if (!run.graph.some((n) => n.id === taskId)) throw new UserError(`run ${runId} has no task "${taskId}"`);
      return taskDetailsOf(runId, taskId);
    },
    approveBudget: async (runId, request) => decide<BudgetAnswer>('approveBudget', runId, request),
    denyBudget: async (runId, request) => decide<BudgetAnswer>('denyBudget', runId, request),
    approveToolCall: async (runId, request) => decide<ToolCallAnswer>('approveToolCall', runId, request),
    denyToolCall: async (runId, request) => decide<ToolCallAnswer>('denyToolCall', runId, request),
    retryTasks: async (runId, request) => decide<HoldAnswer>('retryTasks', runId, request),
    finishRun: async (runId, request) => decide<HoldAnswer>('finishRun', runId, request),
  };
  async function decide<T>(kind: string, runId: string, request: unknown): Promise<Delivered<T>> {
    if (!backend.runs.has(runId)) throw new UserError(`no run with id "${runId}"`);
    backend.sent.push({ kind, runId, request });
    const decisionId = `d-${backend.sent.length}`;
    if (backend.answer === 'signalled') return { delivery: 'signalled', decisionId, waitedMs: 5_000, unanswered: '' };
    const answer = { ...backend.answer, taskId: '', millicredits: 0, requestId: '' };
    return { delivery: 'answered', decisionId, ...answer } as unknown as Delivered<T>;
  }
  return backend;
}

export function taskDetailsOf(runId: string, taskId: string): TaskDetails {
  return {
    runId,
    taskId,
    workflowId: `${runId}/${taskId}`,
    started: true,
    live: false,
    rounds: [{ round: 1, verdicts: [{ verdict: 'PASS', feedback: 'fine', seat: 0 }], steps: [], verify: [] }],
    modelCalls: [
      {
        activity: 'implementTask',
        round: 1,
        model: 'sim-model',
        inputTokens: 120,
        outputTokens: 40,
        spentMillicredits: 280,
        at: '2026-11-21T10:00:01.000Z',
      },
    ],
    output: 'done',
    webUiUrl: `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(`${runId}/${taskId}`)}`,
  };
}
