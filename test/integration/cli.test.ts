/** The planwright CLI and the plain Temporal CLI against a real server, a worker and the simulator. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunRow } from '../../src/client';
import { formatCredits } from '../../src/domain/credits';
import { ProgressEvent } from '../../src/domain/progress-events';
import type { RunView } from '../../src/domain/run';
import { findTemporalBinary } from '../../src/infra/temporal-binary';
import { pendingApprovalsQuery } from '../../src/workflows/messages';
import { planwright, runCommand } from '../helpers/cli';
import { scheduledActivities, startedChildren, waitFor } from '../helpers/history';
import { diamondPlan } from '../helpers/plans';
import { createTestEnvironment, productionBundle, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let cliEnv: NodeJS.ProcessEnv;
const dir = mkdtempSync(path.join(tmpdir(), 'planwright-cli-'));
const planFile = path.join(dir, 'plan.json');

before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
  cliEnv = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default' };
  writeFileSync(planFile, JSON.stringify(diamondPlan('Ship it from a plan file')));
});
after(() => env?.teardown());

const readEvents = (file: string) =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => ProgressEvent.parse(JSON.parse(line)));

const temporal = (args: string[]) => runCommand(findTemporalBinary(), [...args, '--address', env.address]);

describe('planwright CLI end to end', () => {
  it('runs a plan file to the end with --wait: report, exit 0, one child per task with an implementer call', async () => {
    await withWorker(env, {}, async (h) => {
      const runId = uniqueId('cli');
      const eventsFile = path.join(dir, 'events', 'run.jsonl');
      const result = await planwright(
        ['run', '--plan', planFile, '--wait', '--events', eventsFile, '--id', runId, '--task-queue', h.taskQueue],
        cliEnv,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Tasks: 5 ended \(5 succeeded, 0 failed\), 0 skipped/);
      assert.match(result.stdout, new RegExp(`Run ${runId}: SUCCEEDED`));
      assert.match(result.stdout, /Web UI: http:\/\/localhost:8233\/namespaces\/default\/workflows\//);
      assert.match(result.stderr, /a\s+succeeded \(1 round/);
      const children = await startedChildren(env.client, runId);
      assert.deepEqual(
        children.sort(),
        ['a', 'b', 'c', 'd', 'e'].map((t) => `${runId}/${t}`),
      );
      for (const child of children) assert.ok((await scheduledActivities(env.client, child)).includes('implementTask'));

      const status = await planwright(['status', runId, '--json'], cliEnv);
      assert.equal(status.code, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as RunView).status, 'succeeded');

      const outDir = path.join(dir, 'artifacts');
      const output = await planwright(['output', runId, 'b', '--json', '--out', outDir], cliEnv);
      assert.equal(output.code, 0, output.stderr);
      const parsed = JSON.parse(output.stdout) as { summary: string; artifacts: { name: string; content: string }[] };
      assert.match(parsed.summary, /Task b \(b\) is complete/);
      assert.equal(readFileSync(path.join(outDir, parsed.artifacts[0]!.name), 'utf8'), parsed.artifacts[0]!.content);
      const missing = await planwright(['output', runId, 'zzz'], cliEnv);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no task "zzz" in run .* has started/);

      // The progress log: the run brackets one start and one end per task, each task starting after its
      // dependencies ended (the diamond: a, then b and c, then d; e alone).
      const events = readEvents(eventsFile);
      const tasks = ['a', 'b', 'c', 'd', 'e'];
      assert.equal(events[0]!.type, 'run.started');
      assert.deepEqual([events.at(-1)!.type, events.at(-1)!.status], ['run.ended', 'succeeded']);
      for (const t of tasks) {
        const mine = events.filter((e) => e.taskId === t).map((e) => `${e.type}${e.status ? ` ${e.status}` : ''}`);
        assert.deepEqual(mine, ['task.started', 'task.ended succeeded'], `events of ${t}`);
      }
      const when = (type: string, t: string) => events.find((e) => e.type === type && e.taskId === t)!.at;
      for (const t of ['b', 'c']) assert.ok(when('task.started', t) >= when('task.ended', 'a'), `${t} after a`);
      for (const t of ['b', 'c']) assert.ok(when('task.started', 'd') >= when('task.ended', t), `d after ${t}`);

      // Following the ended run again tells the same story, from its beginning.
      const watchFile = path.join(dir, 'events', 'watch.jsonl');
      const watched = await planwright(['watch', runId, '--events', watchFile, '--json'], cliEnv);
      assert.equal(watched.code, 0, watched.stderr);
      const finalView = JSON.parse(watched.stdout) as RunView;
      assert.deepEqual([finalView.status, finalView.metrics.ended, finalView.metrics.succeeded], ['succeeded', 5, 5]);
      assert.deepEqual(readEvents(watchFile), events);
      assert.match(watched.stderr, /^\s+e\s+succeeded \(1 round/m);
      const unknown = await planwright(['watch', 'no-such-run'], cliEnv);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no run with id "no-such-run"/);
    });
  });

  it('exits 1 with --wait when the run does not succeed', async () => {
    await withWorker(env, { tasks: { e: { verdicts: ['FAIL'] } } }, async (h) => {
      const result = await planwright(
        ['run', '--plan', planFile, '--wait', '--max-review-rounds', '1', '--task-queue', h.taskQueue],
        cliEnv,
      );
      assert.equal(result.code, 1);
      assert.match(result.stdout, /: PARTIAL/);
    });
  });

  it('approves a waiting task with `planwright approve`, and refuses to approve a task that is not waiting', async () => {
    await withWorker(env, { usage: 'max' }, async (h) => {
      const runId = uniqueId('cli');
      const plan = path.join(dir, 'solo.json');
      writeFileSync(
        plan,
        JSON.stringify({ goal: 'g', tasks: [{ id: 'solo', title: 'Solo', acceptanceCriteria: ['ok'] }] }),
      );
      const started = await planwright(
        ['run', '--plan', plan, '--budget', '10', '--auto-approve', '0', '--id', runId, '--task-queue', h.taskQueue],
        cliEnv,
      );
      assert.equal(started.code, 0, started.stderr);
      assert.equal(started.stdout.trim(), runId);
      const handle = env.client.workflow.getHandle(runId);
      await waitFor('approval', async () => (await handle.query(pendingApprovalsQuery)).length > 0 || undefined);

      const pending = await planwright(['pending'], cliEnv);
      assert.match(pending.stdout, new RegExp(`${runId}\\s+solo\\s+needs [\\d.]+ credits`));
      const listedRun = async (args: string[]) => {
        const listed = await planwright(['list', ...args, '--json'], cliEnv);
        return (JSON.parse(listed.stdout) as RunRow[]).find((r) => r.runId === runId);
      };
      const waiting = await waitFor('the run listed as waiting', () => listedRun(['--status', 'awaiting_approval']));
      assert.deepEqual([waiting.status, waiting.pendingApprovals], ['awaiting_approval', 1]);
      // Its tasks and credits, by query while it runs.
      assert.deepEqual([waiting.progress?.tasks, waiting.progress?.tasksEnded], [1, 0]);
      assert.equal(waiting.progress?.budgetMillicredits, 10_000);
      const wrong = await planwright(['approve', runId, 'nope', '--credits', '5'], cliEnv);
      assert.equal(wrong.code, 2);
      // The run answers (through the approveBudget Update) and records the refusal.
      assert.match(wrong.stderr, /the run refused the approval: unknown task "nope"; tasks of this run: solo/);

      const approved = await planwright(
        ['approve', runId, 'solo', '--credits', '25', '--by', 'cli-test', '--note', 'ok'],
        cliEnv,
      );
      assert.equal(approved.code, 0, approved.stderr);
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.deepEqual(
        view.decisions.map((d) => [d.decision, d.taskId, d.decision === 'rejected' ? '' : d.by]),
        [
          ['rejected', 'nope', ''],
          ['approved', 'solo', 'cli-test'],
        ],
      );
      const done = await waitFor('the run listed as succeeded', async () => {
        const row = await listedRun([]);
        return row?.status === 'succeeded' ? row : undefined;
      });
      assert.equal(done.pendingApprovals, 0);
      // And from its result once it ended: every task, and what it spent of the budget and the approved extra.
      assert.deepEqual(done.progress, {
        tasks: 1,
        tasksEnded: 1,
        counts: view.counts,
        spentMillicredits: view.spentMillicredits,
        budgetMillicredits: 35_000,
      });
      const table = await planwright(['list'], cliEnv);
      assert.match(
        table.stdout,
        new RegExp(`${runId} +succeeded +- +1/1 +${formatCredits(view.spentMillicredits).replace('.', '\\.')}/35 `),
      );
      assert.equal(await listedRun(['--status', 'running']), undefined);
    });
  });

  it('runs from the plain Temporal CLI, and takes an approval from `temporal workflow signal`', async () => {
    await withWorker(env, { usage: 'max' }, async (h) => {
      const runId = uniqueId('tcli');
      const input = JSON.stringify({
        goal: 'g',
        budgetCredits: 10,
        autoApproveCredits: 0,
        plan: { goal: 'g', tasks: [{ id: 'solo', title: 'Solo', acceptanceCriteria: ['ok'] }] },
      });
      const start = await temporal([
        'workflow',
        'start',
        '--type',
        'goalWorkflow',
        '--task-queue',
        h.taskQueue,
        '--workflow-id',
        runId,
        '--input',
        input,
      ]);
      assert.equal(start.code, 0, start.stderr);
      const handle = env.client.workflow.getHandle(runId);
      await waitFor('approval', async () => (await handle.query(pendingApprovalsQuery)).length > 0 || undefined);
      const signal = await temporal([
        'workflow',
        'signal',
        '--workflow-id',
        runId,
        '--name',
        'approveBudget',
        '--input',
        JSON.stringify({ taskId: 'solo', credits: 25, by: 'temporal-cli' }),
      ]);
      assert.equal(signal.code, 0, signal.stderr);
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.equal(view.decisions[0]?.by, 'temporal-cli');
    });
  });

  it('dry-runs a plan: writes the file `run --plan` reads, and exits 4 when the projection exceeds --max-credits', async () => {
    await withWorker(env, {}, async (h) => {
      const out = path.join(dir, 'planned.json');
      const plan = await planwright(
        ['plan', 'Build a CSV to JSON converter', '--out', out, '--task-queue', h.taskQueue],
        cliEnv,
      );
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /flowchart LR/);
      assert.match(plan.stdout, /Critical path \(effort \d+\): t1 -> t2 -> /);
      assert.match(plan.stdout, /Projected: [\d.]+ credits/);
      assert.equal(JSON.parse(readFileSync(out, 'utf8')).tasks.length, 5);
      const gated = await planwright(
        ['plan', 'Build it', '--json', '--max-credits', '1', '--task-queue', h.taskQueue],
        cliEnv,
      );
      assert.equal(gated.code, 4, gated.stderr);
      assert.match(gated.stderr, /projected [\d.]+ credits exceed --max-credits 1/);
      const parsed = JSON.parse(gated.stdout) as { estimate: { projectedMillicredits: number } };
      assert.ok(parsed.estimate.projectedMillicredits > 1000);
      const run = await planwright(['run', '--plan', out, '--wait', '--task-queue', h.taskQueue], cliEnv);
      assert.equal(run.code, 0, run.stderr);
    });
  });

  it('explains bad input and an unreachable server in one line with a non-zero exit', async () => {
    const noGoal = await planwright(['run'], cliEnv);
    assert.equal(noGoal.code, 2);
    assert.match(noGoal.stderr, /^planwright: a goal is required/);
    const missing = await planwright(['run', '--plan', path.join(dir, 'missing.json')], cliEnv);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read plan file .*missing\.json: ENOENT/);
    const cyclic = path.join(dir, 'cyclic.json');
    const plan = diamondPlan();
    plan.tasks[0]!.deps = ['d'];
    writeFileSync(cyclic, JSON.stringify(plan));
    const invalid = await planwright(['run', '--plan', cyclic], cliEnv);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /dependency cycle: /);
    // A path under a file: no folder can be made there.
    const unwritablePath = path.join(planFile, 'log.jsonl');
    const unwritable = await planwright(['watch', 'any-run', '--events', unwritablePath], cliEnv);
    assert.equal(unwritable.code, 2, unwritable.stderr);
    assert.match(
      unwritable.stderr,
      /cannot write the progress log .*plan\.json\/log\.jsonl \(EEXIST: file already exists, mkdir '.*plan\.json'\); pass --events a path in a writable folder/,
    );
    const eventsWithoutWait = await planwright(['run', 'g', '--events', 'x.jsonl'], cliEnv);
    assert.equal(eventsWithoutWait.code, 2);
    assert.match(eventsWithoutWait.stderr, /--events needs --wait/);
    const badStatus = await planwright(['list', '--status', 'done'], cliEnv);
    assert.equal(badStatus.code, 2);
    assert.match(badStatus.stderr, /unknown --status "done"; use one of planning, running, holding, succeeded/);
    const unreachable = await planwright(['status', 'x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(unreachable.code, 3);
    assert.equal(unreachable.stderr.trim().split('\n').length, 1, unreachable.stderr);
    assert.match(unreachable.stderr, /cannot reach the Temporal server at 127\.0\.0\.1:1 .*npm run server/);
    assert.doesNotMatch(unreachable.stderr, /\n\s+at /, 'no stack trace');
  });
});
