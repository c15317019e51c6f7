/**
 * A tool step's pace against plain Temporal activity round trips on the same server, and what committing and pushing
 * a changing step adds. Part of `npm run bench -- acting` (bench/acting.ts).
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ScriptedToolTurn } from '../src/simulator/scenario';
import { historyOf } from '../test/helpers/history';
import { uniqueId } from '../test/helpers/temporal';
import { activitiesOf, loopPace, median, type ActivityHops, type LoopPace } from './acting-history';
import { benchRepository, readTurn, runGoal, withActingWorker, withPlainWorkers, type Say } from './acting-setup';

const STEPS = Number(process.env.BENCH_ACTING_STEPS ?? 100);
const REPEATS = Number(process.env.BENCH_ACTING_REPEATS ?? 3);

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Signals a run received asking for credits: each is a round trip a task's steps would wait on. */
async function creditRequests(client: Client, runId: string): Promise<number> {
  const events = await historyOf(client, runId);
  return events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'requestCredits').length;
}

interface Row {
  plainSame: LoopPace;
  plainOther: LoopPace;
  read: LoopPace;
  write: LoopPace;
}

/** Runs the plain loops and the two acting tasks REPEATS times, alternating, and reports their medians. */
export async function benchSteps(env: TestWorkflowEnvironment, say: Say): Promise<void> {
  const client = env.client;
  const repo = benchRepository(0, 0);
  const reads = Array.from({ length: STEPS }, () => readTurn('README.md'));
  const writes: ScriptedToolTurn[] = Array.from({ length: STEPS }, (_, i) => ({
    tool: 'write_file',
    arguments: { path: `notes/w${i}.txt`, content: `step ${i}\n` },
  }));
  const rows: Row[] = [];
  const simMs: Record<string, number> = {};
  await withActingWorker(env, { tasks: { reads: { toolScript: reads }, writes: { toolScript: writes } } }, (h) =>
    withPlainWorkers(env, async (queues) => {
      const plain = async (other: boolean) => {
        const workflowId = uniqueId('bench-plain');
        await client.workflow.execute('noopSequenceWorkflow', {
          taskQueue: queues.taskQueue,
          workflowId,
          args: other ? [STEPS + 1, queues.otherQueue] : [STEPS + 1],
        });
        return loopPace(activitiesOf(await historyOf(client, workflowId)), 'noop', 0, STEPS);
      };
      const acting = async (task: 'reads' | 'writes') => {
        const view = await runGoal(client, h, [task], {
          budgetCredits: 1e6,
          workspace: { repo, policy: { maxStepsPerRound: 200 } },
        });
        const work = view.tasks[0]!.work!;
        const commits = task === 'writes' ? STEPS : 0;
        if (work.steps !== STEPS + 1 || work.commits !== commits) {
          throw new Error(`${task}: ${work.steps} steps, ${work.commits} commits; expected ${STEPS + 1}, ${commits}`);
        }
        const signals = await creditRequests(client, view.runId);
        if (signals > 0) say(`(run ${view.runId}: ${signals} credit requests during the steps)`);
        // Steps 1..STEPS are the scripted calls; the turn after them is the finish.
        return loopPace(activitiesOf(await historyOf(client, view.tasks[0]!.workflowId)), 'agentTurn', 0, STEPS);
      };
      for (let i = 0; i < REPEATS; i++) {
        rows.push({
          plainSame: await plain(false),
          plainOther: await plain(true),
          read: await acting('reads'),
          write: await acting('writes'),
        });
      }
      // The simulator's own time per turn (request received → answer complete): the model's part of agentTurn.
      for (const task of ['reads', 'writes']) {
        const turns = h.sim.requests().filter((r) => r.task === task && r.kind === 'implementer' && r.finishedAt);
        simMs[task] = median(turns.map((r) => r.finishedAt! - r.receivedAt));
      }
    }),
  );
  report(rows, simMs, say);
}

function report(rows: Row[], simMs: Record<string, number>, say: Say): void {
  const m = (f: (r: Row) => number) => median(rows.map(f));
  say(`${STEPS} steps per task or plain loop, ${REPEATS} runs alternating; time per step, from the histories:`);
  say('');
  say('| run | plain round trip, same queue | plain round trip, other queue | read step | write step |');
  say('| --- | --- | --- | --- | --- |');
  rows.forEach((r, i) =>
    say(
      `| ${i + 1} | ${ms(r.plainSame.periodMs)} | ${ms(r.plainOther.periodMs)} | ${ms(r.read.periodMs)} | ` +
        `${ms(r.write.periodMs)} |`,
    ),
  );
  say(
    `| **median** | **${ms(m((r) => r.plainSame.periodMs))}** | **${ms(m((r) => r.plainOther.periodMs))}** | ` +
      `**${ms(m((r) => r.read.periodMs))}** | **${ms(m((r) => r.write.periodMs))}** |`,
  );
  say('');
  say('Where each activity of a step spends its time (medians over steps, then over runs):');
  say('');
  say('| activity | scheduled → started | started → completed | completed → next scheduled |');
  say('| --- | --- | --- | --- |');
  const hop = (label: string, pick: (r: Row) => ActivityHops) =>
    say(
      `| ${label} | ${ms(m((r) => pick(r).toStartMs))} | ${ms(m((r) => pick(r).insideMs))} | ` +
        `${ms(m((r) => pick(r).afterMs))} |`,
    );
  hop('noop, plain loop, same queue', (r) => r.plainSame.hops.noop!);
  hop('noop, plain loop, other queue', (r) => r.plainOther.hops.noop!);
  hop('agentTurn, read step', (r) => r.read.hops.agentTurn!);
  hop('runToolStep, read step', (r) => r.read.hops.runToolStep!);
  hop('agentTurn, write step', (r) => r.write.hops.agentTurn!);
  hop('runToolStep, write step', (r) => r.write.hops.runToolStep!);
  say('');
  say(
    `Of agentTurn's time on the worker, the simulator's answer (request received → complete, median) took ` +
      `${ms(simMs.reads!)} in the read task, ${ms(simMs.writes!)} in the write task.`,
  );
  say('');

  const plainMs = Math.min(
    m((r) => r.plainSame.periodMs),
    m((r) => r.plainOther.periodMs),
  );
  const readMs = m((r) => r.read.periodMs);
  const writeMs = m((r) => r.write.periodMs);
  say(
    `Read steps: **${(1000 / readMs).toFixed(1)} steps/s** against ${(1000 / plainMs).toFixed(1)} plain round trips/s ` +
      `(the faster baseline): **${(plainMs / readMs).toFixed(3)}**. Counted as its two activity round trips ` +
      `(agentTurn + runToolStep), a step is ${(2000 / readMs).toFixed(1)} round trips/s: ` +
      `**${((2 * plainMs) / readMs).toFixed(3)}**.`,
  );
  // The engine's and Planwright's orchestration per step: the period less the time inside the activities.
  const between = (p: LoopPace) => p.periodMs - Object.values(p.hops).reduce((x, h) => x + h.insideMs, 0);
  const plainBetween = Math.min(
    m((r) => between(r.plainSame)),
    m((r) => between(r.plainOther)),
  );
  const readBetween = m((r) => between(r.read));
  say(
    `Outside the activities (period − time inside them): ${ms(readBetween)} per read step for its two round trips, ` +
      `${ms(plainBetween)} per plain round trip (the faster baseline): **${((2 * plainBetween) / readBetween).toFixed(3)}**.`,
  );
  say(
    `Commit and push per changing step: ${ms(writeMs - readMs)} (write step − read step); inside runToolStep ` +
      `${ms(m((r) => r.write.hops.runToolStep!.insideMs) - m((r) => r.read.hops.runToolStep!.insideMs))}.`,
  );
  say('');
}
