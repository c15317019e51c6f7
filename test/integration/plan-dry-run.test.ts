/**
 * `planwright plan --plan FILE`: checked and costed in the CLI's own process, with no Temporal server, worker or model
 * call; and the same result as the workers' dry run of the same plan, against a real server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureWorkerPolling, planGoal } from '../../src/client';
import { planLocally } from '../../src/client/plan';
import { loadModelSettings } from '../../src/config';
import { GoalInput } from '../../src/domain/run';
import { planwright } from '../helpers/cli';
import { waitFor } from '../helpers/history';
import { diamondPlan } from '../helpers/plans';
import { createTestEnvironment, withWorker } from '../helpers/temporal';

const examplePlan = path.join(__dirname, '..', '..', 'examples', 'plan.json');
const dir = mkdtempSync(path.join(tmpdir(), 'planwright-dry-run-'));
// A port nothing listens on: any attempt to reach Temporal would fail with exit 3.
const noServer = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

interface DryRunJson {
  plan: { goal: string; tasks: { id: string }[] };
  criticalPath: { path: string[]; effort: number };
  estimate: { projectedMillicredits: number; worstCaseMillicredits: number; perTask: unknown[] };
  source: string;
}

describe('planwright plan --plan without a server', () => {
  it('exits 4 over --max-credits and prints the plan, its DAG, critical path and projection', async () => {
    const result = await planwright(['plan', '--plan', examplePlan, '--max-credits', '0.001'], noServer);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stdout, /design\s+Design the export format\s+general\s+2\s+-/);
    assert.match(result.stdout, /```mermaid\nflowchart LR\n/);
    assert.match(result.stdout, /Critical path \(effort 7\): design -> implement -> docs/);
    assert.match(result.stdout, /Planning spent: 0 credits/);
    assert.match(result.stdout, /Projected: [\d.]+ credits \(every task passing its first review\)/);
    assert.match(result.stdout, /Worst case: [\d.]+ credits \(every task using 3 rounds\)/);
    assert.match(result.stderr, /^planwright: projected [\d.]+ credits exceed --max-credits 0\.001\n$/);
  });

  it('exits 0 when the projection fits a generous --max-credits', async () => {
    const result = await planwright(['plan', '--plan', examplePlan, '--max-credits', '100000'], noServer);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Projected: [\d.]+ credits/);
    assert.equal(result.stderr, '');
  });

  it('never opens a connection to the Temporal server it is pointed at', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await planwright(['plan', '--plan', examplePlan], {
        ...noServer,
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
  });

  it('prints the plan, critical path and estimate as JSON with --json and writes a plan that reads back the same', async () => {
    const out = path.join(dir, 'written.json');
    const result = await planwright(['plan', '--plan', examplePlan, '--json', '--out', out], noServer);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as DryRunJson;
    assert.equal(parsed.source, 'input');
    assert.equal(parsed.plan.goal, 'Add CSV export to the reports service');
    assert.deepEqual(
      parsed.plan.tasks.map((t) => t.id),
      ['design', 'implement', 'tests', 'docs'],
    );
    assert.deepEqual(parsed.criticalPath, { path: ['design', 'implement', 'docs'], effort: 7 });
    assert.equal(parsed.estimate.perTask.length, 4);
    assert.ok(parsed.estimate.projectedMillicredits > 0);
    assert.equal(parsed.estimate.worstCaseMillicredits, parsed.estimate.projectedMillicredits * 3);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), parsed.plan);

    const again = await planwright(['plan', '--plan', out, '--json'], noServer);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), parsed);
  });

  it('exits 2 on an invalid plan file and names every problem', async () => {
    const plan = diamondPlan();
    plan.tasks[1]!.agentType = 'poet';
    plan.tasks[2]!.deps = ['zz'];
    const file = path.join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify(plan));
    const result = await planwright(['plan', '--plan', file, '--max-credits', '1'], noServer);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^planwright: plan file .*invalid\.json is invalid:/);
    assert.match(result.stderr, /task "b": unknown agentType "poet"; use one of: /);
    assert.match(result.stderr, /task "c": unknown dependency "zz"; no task has that id/);
    assert.equal(result.stdout, '');
  });

  it('exits 2 on a misspelt key, naming the key it meant, at plan --plan and at run --plan before anything starts', async () => {
    const file = path.join(dir, 'misspelt.json');
    const plan = JSON.parse(readFileSync(examplePlan, 'utf8')) as { tasks: Record<string, unknown>[] };
    plan.tasks[0]!.verfy = ['npm test'];
    writeFileSync(file, JSON.stringify(plan));
    for (const command of [['plan'], ['run', '--wait']]) {
      const result = await planwright([...command, '--plan', file], noServer);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /unknown key "tasks\.0\.verfy" \(did you mean "tasks\.0\.verify"\?\)/);
    }
  });

  it('refuses a plan whose checks the policy the flags give does not allow, naming the flag, before anything starts', async () => {
    const file = path.join(dir, 'python-checks.json');
    const plan = JSON.parse(readFileSync(examplePlan, 'utf8')) as { tasks: Record<string, unknown>[] };
    // One string where a list is expected: a list of one.
    plan.tasks[1]!.verify = 'python3 -m unittest';
    writeFileSync(file, JSON.stringify(plan));
    const runs = [
      ['plan', '--plan', file, '--verify', 'npm test'],
      // --setup is a flag of run (it was documented, and refused as unknown).
      ['run', '--plan', file, '--repo', dir, '--setup', 'npm ci', '--verify', 'npm test', '--wait'],
    ];
    for (const args of runs) {
      const result = await planwright(args, noServer);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /task implement: verify "python3 -m unittest" is not an allowed command/);
      assert.match(result.stderr, /To allow it, add: --command "python3 -m unittest"/);
    }
    const fits = await planwright(['plan', '--plan', file, '--verify', 'npm test', '--command', 'python3'], noServer);
    assert.equal(fits.code, 0, fits.stderr);
    // Checks with nothing to run them: a run without a workspace is refused, not called done unchecked.
    const workspacePlan = path.join(__dirname, '..', '..', 'examples', 'plan-workspace.json');
    const unchecked = await planwright(['run', '--plan', workspacePlan, '--wait'], noServer);
    assert.equal(unchecked.code, 2, unchecked.stderr);
    assert.match(
      unchecked.stderr,
      /tasks option, tests, docs set verify or allowPaths, which hold only in a git workspace/,
    );
    const example = await planwright(['plan', '--plan', workspacePlan, '--verify', 'npm test'], noServer);
    assert.equal(example.code, 0, example.stderr);
  });

  it('prints the plan format as JSON Schema', async () => {
    const result = await planwright(['plan', '--schema'], noServer);
    assert.equal(result.code, 0, result.stderr);
    const schema = JSON.parse(result.stdout) as { properties: { tasks: { items: { properties: object } } } };
    assert.ok('verify' in schema.properties.tasks.items.properties);
  });

  it('still needs the server to plan a goal: exit 3 when it is unreachable', async () => {
    const result = await planwright(['plan', 'Write a CSV exporter'], noServer);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /cannot reach the Temporal server at 127\.0\.0\.1:1/);
  });
});

describe('planLocally against the workers', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTestEnvironment();
  });
  after(() => env?.teardown());

  it("gives what the workers' dry run of the same plan gives, so the CLI prints the same either way", async () => {
    await withWorker(env, {}, async (h) => {
      const input = GoalInput.parse({ goal: 'Ship it', plan: JSON.parse(readFileSync(examplePlan, 'utf8')) });
      const options = { namespace: env.namespace ?? 'default', taskQueue: h.taskQueue };
      // planGoal refuses a task queue no worker polls yet; the worker has only just started.
      await waitFor('the worker to poll', async () => {
        await ensureWorkerPolling(env.client, options.namespace, options.taskQueue);
        return true;
      });
      const remote = await planGoal(env.client, input, options);
      // The worker of withWorker reads no planwright.config.json; neither does this.
      const local = planLocally(input.plan!, loadModelSettings({}, tmpdir()));
      assert.deepEqual(local, remote);
      assert.equal(h.sim.requests().length, 0, 'no model call either way');
    });
  });
});
