/**
 * examples/csv2json is what the demo's simulated agents build (src/simulator/demo-scenario.ts): its own suite must
 * pass as it stands, so the demo never ends with a result its tests fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { demoScenario } from '../../src/simulator/demo-scenario';

const project = path.join(__dirname, '..', '..', 'examples', 'csv2json');

it("passes the example project's own suite, as a user runs it", () => {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else this test run's reporter takes the child's output
  const run = spawnSync(process.execPath, ['--test'], { cwd: project, encoding: 'utf8', env });
  assert.equal(run.status, 0, run.stdout);
  assert.match(run.stdout, /# pass 12\n# fail 0/);
});

it("writes every file of the demo's plan from the example project, and runs the tests after", () => {
  const scenario = demoScenario();
  const planned = scenario.plan!.tasks.flatMap((t) => t.artifacts as string[]);
  const scripted = Object.values(scenario.tasks ?? {}).flatMap((t) => t.toolScript ?? []);
  const written = scripted.map((turn) => (turn as { arguments: { path?: string } }).arguments.path).filter(Boolean);
  assert.deepEqual(written.sort(), [...planned].sort());
  assert.equal(scripted.filter((turn) => (turn as { tool: string }).tool === 'run_command').length, 4);
});
