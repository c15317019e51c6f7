/**
 * Agents that act, end to end on a real Temporal server: a run with a git workspace, the simulator as a scripted
 * tool-using agent, real git, real sandboxed commands, the verify gate, integration.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { resultBranch, taskBranch } from '../../src/domain/git-refs';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { commitLog, fixtureGit, openTmpDir, userRepository } from '../helpers/git-fixtures';
import { activitySummaries } from '../helpers/history';
import { createTestEnvironment, productionBundle, uniqueId, withWorker, type Harness } from '../helpers/temporal';

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
    await withWorker(env, {}, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(
        h,
        {
          goal: 'Add a greeting module with tests',
          plan: { goal: 'g', tasks: [{ id: 'greet', title: 'Add a greeting module', acceptanceCriteria: ['tested'] }] },
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
      assert.ok(steps.some((s) => /^write src\//.test(s)), steps.join(' | '));
      assert.ok(steps.includes("run node --test"), steps.join(' | '));
      assert.ok(steps.includes('verify · round 1'), steps.join(' | '));
    });
  });
});
