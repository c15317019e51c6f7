/**
 * Agents that act, end to end on a real Temporal server: a run with a git workspace, the simulator as a scripted
 * tool-using agent, real git, real sandboxed commands, the verify gate, integration.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workspaceLines } from '../../src/cli/format';
import { resultBranch, taskBranch } from '../../src/domain/git-refs';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { commitLog, fixtureGit, userRepository } from '../helpers/git-fixtures';
import { activitySummaries } from '../helpers/history';
import { toolResultsOf } from '../helpers/model-calls';
import {
  createTestEnvironment,
  productionBundle,
  simSettings,
  testWorkspace,
  uniqueId,
  withWorker,
  type Harness,
} from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

function execute(h: Harness, input: GoalInputJson, workflowId = uniqueId('run')): Promise<RunView> {
  return h.env.client.workflow.execute('goalWorkflow', { taskQueue: h.taskQueue, workflowId, args: [input] });
}

const NODE_PROJECT = { 'package.json': '{ "name": "fixture", "version": "1.0.0" }\n', 'README.md': '# Fixture\n' };

describe('agents that act in a git workspace', () => {
  it('writes a module and its test, passes verify and review, and leaves a verified result branch', async () => {
    const repo = userRepository(NODE_PROJECT);
    const before = fixtureGit(repo, 'rev-parse', 'HEAD');
    const workspace = testWorkspace();
    await withWorker(
      env,
      {},
      async (h) => {
        const runId = uniqueId('run');
        const view = await execute(
          h,
          {
            goal: 'Add a greeting module with tests',
            plan: {
              goal: 'g',
              tasks: [{ id: 'greet', title: 'Add a greeting module', acceptanceCriteria: ['tested'] }],
            },
            workspace: { repo, policy: { commands: ['node --test'], verify: ['node --test'] } },
          },
          runId,
        );
        assert.equal(view.status, 'succeeded', JSON.stringify(view.workspace));
        const work = view.tasks[0]!.work!;
        assert.equal(work.branch, taskBranch(runId, 'greet'));
        assert.ok(work.changedFiles.length >= 2, `changed: ${work.changedFiles.join(', ')}`);
        assert.ok(view.workspace?.integration?.ok);
        // The user's branch and working tree are untouched; the run's branches are in their repository.
        assert.equal(fixtureGit(repo, 'rev-parse', 'main'), before);
        assert.equal(fixtureGit(repo, 'status', '--porcelain'), '');
        const result = fixtureGit(repo, 'rev-parse', resultBranch(runId));
        assert.equal(view.workspace.integration.ok && view.workspace.integration.commit, result);
        const files = fixtureGit(repo, 'ls-tree', '-r', '--name-only', result).split('\n');
        for (const f of work.changedFiles) assert.ok(files.includes(f), `${f} in the result`);
        // One commit per changing step, each with the run, task and step trailers.
        const commits = commitLog(repo, work.branch).filter((c) => /Planwright-Step:/.test(c.body));
        assert.equal(commits.length, work.commits);
        for (const c of commits) assert.match(c.body, new RegExp(`Planwright-Run: ${runId}`));
        // Each step has a summary a person can read in the Web UI.
        const steps = await activitySummaries(h.env.client, `${runId}/greet`);
        assert.ok(
          steps.some((s) => /^write src\//.test(s)),
          steps.join(' | '),
        );
        assert.ok(steps.includes('run node --test'), steps.join(' | '));
        assert.ok(steps.includes('verify · round 1'), steps.join(' | '));
        // Nothing of the run stays on the worker's disk: no checkout, no empty folder of the run.
        assert.deepEqual(readdirSync(path.join(workspace.root, 'checkouts')), []);
      },
      { workspace },
    );
  });

  it('sends a failed verify back to the implementer as feedback; the reviewer sees only work that passed', async () => {
    const repo = userRepository(NODE_PROJECT);
    const failingTest =
      "const test = require('node:test');\nconst assert = require('node:assert');\ntest('x', () => assert.equal(1, 2));\n";
    const scenario = {
      tasks: {
        calc: {
          toolScript: [{ tool: 'write_file', arguments: { path: 'test/calc.test.js', content: failingTest } }],
          toolScriptRounds: 1,
        },
      },
    };
    await withWorker(env, scenario, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(
        h,
        {
          goal: 'g',
          plan: onePlan('calc'),
          workspace: { repo, policy: { commands: ['node --test'], verify: ['node --test'] } },
        },
        runId,
      );
      assert.equal(view.status, 'succeeded');
      assert.equal(view.tasks[0]!.reviewRounds, 2);
      const calls = h.sim.requests().filter((r) => r.task === 'calc');
      // Round 1 failed verify: no reviewer call in it; round 2 opened with the failure as feedback.
      assert.deepEqual(
        calls.filter((r) => r.kind === 'reviewer').map((r) => r.round),
        [2],
      );
      const round2 = calls.find((r) => r.kind === 'implementer' && r.round === 2)!;
      const opening = JSON.stringify(round2.messages);
      assert.match(opening, /# Reviewer feedback \(round 1: FAIL\)/);
      assert.match(opening, /verify failed: node --test/);
      assert.match(opening, /make \\"node --test\\" pass: it exited 1/);
      const steps = await activitySummaries(h.env.client, `${runId}/calc`);
      assert.deepEqual(
        steps.filter((s) => s.startsWith('verify')),
        ['verify · round 1', 'verify · round 2'],
      );
    });
  });

  it("starts a dependent from its dependency's branch: it reads the file and is told what changed", async () => {
    const repo = userRepository(NODE_PROJECT);
    const plan = {
      goal: 'g',
      tasks: [
        { id: 'lib', title: 'Write the library', acceptanceCriteria: ['exists'] },
        { id: 'app', title: 'Use the library', deps: ['lib'], acceptanceCriteria: ['uses it'] },
      ],
    };
    const scenario = {
      tasks: {
        app: { toolScript: [{ tool: 'read_file', arguments: { path: 'src/lib.js', startLine: null, endLine: null } }] },
      },
    };
    await withWorker(env, scenario, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(
        h,
        { goal: 'g', plan, workspace: { repo, policy: { commands: ['node --test'], verify: ['node --test'] } } },
        runId,
      );
      assert.equal(view.status, 'succeeded');
      const lib = view.tasks.find((t) => t.id === 'lib')!.work!;
      const app = view.tasks.find((t) => t.id === 'app')!.work!;
      assert.equal(app.startCommit, lib.commit, 'the dependent starts where its dependency ended');
      const last = h.sim
        .requests()
        .filter((r) => r.task === 'app' && r.kind === 'implementer')
        .at(-1)!;
      const conversation = JSON.stringify(last.messages);
      assert.match(conversation, /Files it changed \(already in your checkout\): src\/lib.js, test\/lib.test.js/);
      assert.match(conversation, /libTitle/, "the read returned the dependency's module");
    });
  });

  it('refuses every escape and disallowed write or command; the repository changes only where allowed', async () => {
    const repo = userRepository(NODE_PROJECT);
    process.env.PLANWRIGHT_TEST_CANARY = 'canary-7f3a9c';
    const read = (p: string) => ({ tool: 'read_file', arguments: { path: p, startLine: null, endLine: null } });
    const write = (p: string) => ({ tool: 'write_file', arguments: { path: p, content: 'pwned' } });
    const run = (command: string) => ({ tool: 'run_command', arguments: { command } });
    const hostile = [
      read('../../etc/passwd'),
      read('/etc/passwd'),
      read('.git/config'),
      write('.git/hooks/pre-commit'),
      write('README.md'),
      write('../outside.txt'),
      run('curl http://example.com'),
      run('node --test; curl x'),
      run('env'),
      run('cat /proc/1/environ'),
      run('cat /root/.git-credentials'),
      { tool: 'no_such_tool', arguments: {} },
      { tool: 'write_file', arguments: '{"path": "src/x.js", broken' },
      write('src/allowed.txt'),
      // A command may write anywhere the sandbox lets it: what lands outside --allow is undone before the commit.
      run('cp package.json README.md'),
      run('cp package.json src/copied.json'),
    ];
    await withWorker(env, { tasks: { evil: { toolScript: hostile } } }, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(
        h,
        {
          goal: 'g',
          plan: onePlan('evil'),
          workspace: { repo, policy: { commands: ['node --test', 'env', 'cat', 'cp'], allowPaths: ['src/**'] } },
        },
        runId,
      );
      assert.equal(view.status, 'succeeded');
      const work = view.tasks[0]!.work!;
      assert.deepEqual(work.changedFiles, ['src/allowed.txt', 'src/copied.json']);
      const last = h.sim
        .requests()
        .filter((r) => r.task === 'evil' && r.kind === 'implementer')
        .at(-1)!;
      const results = toolResultsOf(last.messages);
      assert.equal(results.length, hostile.length);
      const refused = results.slice(0, 8);
      for (const [i, r] of refused.entries()) assert.match(r, /^error: /, `step ${i + 1} refused: ${r}`);
      assert.match(results[0]!, /"\.\." is not allowed/);
      assert.match(results[2]!, /\.git is off limits/);
      assert.match(results[4]!, /outside the paths this run may write/);
      assert.match(results[6]!, /not an allowed command/);
      // Commands that run see no secret of the worker, no host process and no credentials file.
      assert.doesNotMatch(results[8]!, /canary-7f3a9c/);
      assert.doesNotMatch(results[9]!, /canary-7f3a9c/);
      assert.match(results[10]!, /No such file or directory|exit code 1/);
      assert.match(results[11]!, /^error: no tool "no_such_tool"/);
      assert.match(results[12]!, /^error: the arguments of write_file are not valid JSON/);
      assert.match(results[14]!, /changes outside the paths this run may write were undone: README\.md/);
      assert.doesNotMatch(results[15]!, /undone/);
      // The user's repository: untouched outside the run's branches; no hook planted anywhere.
      assert.equal(fixtureGit(repo, 'status', '--porcelain'), '');
      assert.ok(!existsSync(path.join(repo, '.git', 'hooks', 'pre-commit')));
      assert.equal(readFileSync(path.join(repo, 'README.md'), 'utf8'), NODE_PROJECT['README.md']);
      assert.equal(fixtureGit(repo, 'show', `${work.commit}:README.md`), NODE_PROJECT['README.md'].trim());
    });
  });

  it('continues a long task as new between rounds, carrying its checkout, credits and feedback', async () => {
    const repo = userRepository(NODE_PROJECT);
    const reads = Array.from({ length: 25 }, () => ({
      tool: 'read_file',
      arguments: { path: 'README.md', startLine: null, endLine: null },
    }));
    const failing = {
      tool: 'write_file',
      arguments: { path: 'test/long.test.js', content: 'throw new Error("no")\n' },
    };
    const scenario = { tasks: { long: { toolScript: [...reads, failing], toolScriptRounds: 1 } } };
    await withWorker(env, scenario, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(
        h,
        {
          goal: 'g',
          plan: onePlan('long'),
          budgetCredits: 500,
          workspace: {
            repo,
            continueAfterEvents: 200,
            policy: { commands: ['node --test'], verify: ['node --test'] },
          },
        },
        runId,
      );
      assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
      const task = view.tasks[0]!;
      assert.equal(task.reviewRounds, 2);
      const runs = [];
      for await (const w of h.env.client.workflow.list({ query: `WorkflowId = '${runId}/long'` }))
        runs.push(w.status.name);
      assert.deepEqual(runs.sort(), ['COMPLETED', 'CONTINUED_AS_NEW']);
      // The second run went on from the first: same branch, every step counted, the spend of both runs in the outcome.
      assert.ok(task.work!.steps >= 27, `steps: ${task.work!.steps}`);
      assert.ok(task.spentMillicredits > 0 && task.modelCalls >= 28, `calls: ${task.modelCalls}`);
      const round2 = h.sim.requests().find((r) => r.task === 'long' && r.kind === 'implementer' && r.round === 2)!;
      assert.match(JSON.stringify(round2.messages), /verify failed: node --test/);
    });
  });

  it('runs --setup once per checkout with its products cached and never committed; verify sees them', async () => {
    // The test imports a module only the setup creates (as npm ci creates node_modules): verify fails without it.
    const repo = userRepository({
      ...NODE_PROJECT,
      'package-lock.json': '{ "lockfileVersion": 3 }\n',
      'setup.sh': '#!/bin/sh\nmkdir -p vendor && echo "module.exports = 42;" > vendor/answer.js\n',
      'test/vendor.test.js':
        "const test = require('node:test');\nconst assert = require('node:assert');\n" +
        "test('vendor', () => assert.equal(require('../vendor/answer.js'), 42));\n",
    });
    const plan = {
      goal: 'g',
      tasks: [
        { id: 'one', title: 'First', acceptanceCriteria: ['done'] },
        { id: 'two', title: 'Second', deps: ['one'], acceptanceCriteria: ['done'] },
      ],
    };
    const workspace = testWorkspace();
    await withWorker(
      env,
      {},
      async (h) => {
        const runId = uniqueId('run');
        const view = await execute(
          h,
          {
            goal: 'g',
            plan,
            workspace: { repo, setup: ['sh setup.sh'], policy: { commands: ['node --test'], verify: ['node --test'] } },
          },
          runId,
        );
        assert.equal(view.status, 'succeeded', view.tasks.map((t) => t.error).join('; '));
        assert.ok(view.workspace?.integration?.ok, JSON.stringify(view.workspace?.integration));
        for (const t of view.tasks) assert.ok(!t.work!.changedFiles.some((f) => f.startsWith('vendor')), t.id);
        const result = view.workspace.integration.ok ? view.workspace.integration.commit : '';
        assert.doesNotMatch(fixtureGit(repo, 'ls-tree', '-r', '--name-only', result), /^vendor\//m);
        // One cache entry: the later checkouts (the second task's, the integration's) copied it.
        assert.equal(readdirSync(path.join(workspace.root, 'setup-cache')).length, 1);
      },
      { workspace },
    );
  });

  it('acts through the Responses API with streaming, as through Chat Completions', async () => {
    const repo = userRepository(NODE_PROJECT);
    await withWorker(
      env,
      {},
      async (h) => {
        const view = await execute(h, {
          goal: 'g',
          plan: onePlan('streamed'),
          workspace: { repo, policy: { commands: ['node --test'], verify: ['node --test'] } },
        });
        assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
        assert.deepEqual(view.tasks[0]!.work!.changedFiles, ['src/streamed.js', 'test/streamed.test.js']);
        const turns = h.sim.requests().filter((r) => r.task === 'streamed' && r.kind === 'implementer');
        assert.ok(turns.length >= 4 && turns.every((r) => r.stream), 'every turn streamed');
      },
      { settings: (sim) => simSettings(sim, { api: 'responses', stream: true }) },
    );
  });

  it('reports siblings that conflict, and siblings that pass alone but fail together: the run ends partial', async () => {
    const repo = userRepository({
      ...NODE_PROJECT,
      // Passes unless both flags exist: each task alone passes, their merge does not.
      'check.sh': '#!/bin/sh\nif [ -e a.flag ] && [ -e b.flag ]; then echo "a and b clash"; exit 1; fi\necho ok\n',
    });
    const writes = (file: string, content: string) => ({
      toolScript: [{ tool: 'write_file', arguments: { path: file, content } }],
    });
    const siblings = (ids: string[]) => ({
      goal: 'g',
      tasks: ids.map((id) => ({ id, title: `Task ${id}`, acceptanceCriteria: ['done'] })),
    });
    const policy = { commands: ['sh check.sh'], verify: ['sh check.sh'] };
    await withWorker(
      env,
      { tasks: { left: writes('shared.txt', 'left\n'), right: writes('shared.txt', 'right\n') } },
      async (h) => {
        const view = await execute(h, { goal: 'g', plan: siblings(['left', 'right']), workspace: { repo, policy } });
        assert.deepEqual(view.counts, { succeeded: 2 });
        assert.equal(view.status, 'partial');
        const integration = view.workspace?.integration;
        assert.ok(integration && !integration.ok && integration.reason === 'conflict', JSON.stringify(integration));
        assert.deepEqual(integration.conflicts, ['shared.txt']);
      },
    );
    await withWorker(env, { tasks: { a: writes('a.flag', 'a\n'), b: writes('b.flag', 'b\n') } }, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(h, { goal: 'g', plan: siblings(['a', 'b']), workspace: { repo, policy } }, runId);
      assert.deepEqual(view.counts, { succeeded: 2 });
      assert.equal(view.status, 'partial');
      const integration = view.workspace?.integration;
      assert.ok(integration && !integration.ok && integration.reason === 'verify-failed', JSON.stringify(integration));
      assert.match(integration.message, /a and b clash/);
      // Only a verified branch is called the run's result: none was written.
      assert.throws(() => fixtureGit(repo, 'rev-parse', '--verify', resultBranch(runId)));
    });
  });

  it("runs every merged task's own checks on the merge, with no run-wide check, and records which checks passed", async () => {
    const repo = userRepository({
      ...NODE_PROJECT,
      'check.sh': 'if [ -e "$1.flag" ] && [ -e "$2.flag" ]; then exit 1; fi\n',
    });
    // Each task's own check fails once both flags exist; no run-wide check at all.
    const plan = {
      goal: 'g',
      tasks: [
        { id: 'a', title: 'Task a', acceptanceCriteria: ['done'], verify: ['sh check.sh a b'] },
        { id: 'b', title: 'Task b', acceptanceCriteria: ['done'], verify: ['sh check.sh b a'] },
      ],
    };
    const write = (file: string) => ({
      toolScript: [{ tool: 'write_file', arguments: { path: file, content: 'x\n' } }],
    });
    const policy = { commands: ['sh check.sh'] };
    await withWorker(env, { tasks: { a: write('a.flag'), b: write('b.flag') } }, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(h, { goal: 'g', plan, workspace: { repo, policy } }, runId);
      assert.deepEqual(view.counts, { succeeded: 2 }, 'each passes its own check alone');
      assert.equal(view.status, 'partial');
      const integration = view.workspace?.integration;
      assert.ok(integration && !integration.ok && integration.reason === 'verify-failed', JSON.stringify(integration));
      assert.match(integration.message, /check "sh check.sh a b" failed on the merged tasks/);
      assert.throws(() => fixtureGit(repo, 'rev-parse', '--verify', resultBranch(runId)));
    });
    await withWorker(env, { tasks: { a: write('a.flag') } }, async (h) => {
      const view = await execute(h, {
        goal: 'g',
        plan: { ...plan, tasks: [plan.tasks[0]!] },
        workspace: { repo, policy },
      });
      const integration = view.workspace?.integration;
      assert.ok(integration?.ok, JSON.stringify(integration));
      assert.deepEqual(integration.checks, ['sh check.sh a b']);
      assert.match(workspaceLines(view).join('\n'), /verified: passed sh check\.sh a b; 1 task merged/);
    });
    await withWorker(env, { tasks: { a: write('a.flag') } }, async (h) => {
      const unchecked = { goal: 'g', tasks: [{ id: 'a', title: 'Task a', acceptanceCriteria: ['done'] }] };
      const view = await execute(h, { goal: 'g', plan: unchecked, workspace: { repo, policy } });
      const integration = view.workspace?.integration;
      assert.ok(integration?.ok);
      assert.deepEqual(integration.checks, []);
      const said = workspaceLines(view).join('\n');
      assert.match(said, /no checks ran on it; 1 task merged/);
      assert.doesNotMatch(said, /verified/);
    });
  });
});

function onePlan(id: string) {
  return { goal: 'g', tasks: [{ id, title: `Task ${id}`, acceptanceCriteria: ['done'] }] };
}
