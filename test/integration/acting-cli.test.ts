/** `planwright run --repo … --verify …`, `planwright diff` and `planwright checkout` against a real server and git. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { planwright } from '../helpers/cli';
import { fixtureGit, openTmpDir, userRepository } from '../helpers/git-fixtures';
import { createTestEnvironment, productionBundle, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let cliEnv: NodeJS.ProcessEnv;
const dir = openTmpDir('planwright-acting-cli-');

before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
  cliEnv = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default' };
});
after(() => env?.teardown());

const PROJECT = { 'package.json': '{ "name": "fixture" }\n', 'README.md': '# Fixture\n' };
const planFile = path.join(dir, 'plan.json');
writeFileSync(
  planFile,
  JSON.stringify({
    goal: 'Add a parser',
    tasks: [{ id: 'parser', title: 'Add a parser', acceptanceCriteria: ['tested'] }],
  }),
);

describe('the CLI with a git workspace', () => {
  it('runs against a repository, prints where the result is, and diff and checkout show it', async () => {
    const repo = userRepository(PROJECT);
    await withWorker(env, {}, async (h) => {
      const runId = uniqueId('cli');
      const run = await planwright(
        [
          'run',
          '--plan',
          planFile,
          '--repo',
          repo,
          '--verify',
          'node --test',
          '--wait',
          '--id',
          runId,
          '--task-queue',
          h.taskQueue,
        ],
        cliEnv,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`Repository: ${repo}`));
      assert.match(
        run.stdout,
        new RegExp(
          `Result: branch planwright/${runId}/_result \\([0-9a-f]{10}\\), verified: passed node --test; 1 task merged`,
        ),
      );

      const diff = await planwright(['diff', runId], cliEnv);
      assert.equal(diff.code, 0, diff.stderr);
      assert.match(diff.stdout, /\+\+\+ b\/src\/parser\.js/);
      assert.match(diff.stdout, /\+\+\+ b\/test\/parser\.test\.js/);
      assert.match(diff.stderr, /^run \(verified: passed node --test\): planwright\//);
      const stat = await planwright(['diff', runId, 'parser', '--stat'], cliEnv);
      assert.match(stat.stdout, /2 files changed/);

      const out = path.join(dir, `checkout-${runId}`);
      const checkout = await planwright(['checkout', runId, out], cliEnv);
      assert.equal(checkout.code, 0, checkout.stderr);
      assert.ok(existsSync(path.join(out, 'src', 'parser.js')));
      assert.equal(readFileSync(path.join(out, 'README.md'), 'utf8'), PROJECT['README.md']);
      const again = await planwright(['checkout', runId, out], cliEnv);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already exists: name a new directory/);

      const output = await planwright(['output', runId, 'parser'], cliEnv);
      assert.equal(output.code, 2);
      // The exact command, with its ids, as the person can run it here (a clone: npx).
      assert.match(
        output.stderr,
        new RegExp(`acted in the run's repository: .*See it with: npx planwright diff ${runId} parser`),
      );
    });
  });

  it('refuses bad workspace input in one line before anything starts', async () => {
    const notRepo = openTmpDir('pw-not-a-repo-');
    const repo = userRepository(PROJECT);
    const cases: [string[], RegExp][] = [
      [['--repo', notRepo], /is not a git repository: run `git init` there/],
      [['--repo', path.join(notRepo, 'missing')], /no such directory/],
      [['--repo', repo, '--base', 'no-such-branch'], /--base no-such-branch is not a branch, tag or commit/],
      [['--workspace', '--base', 'main'], /--base needs --repo/],
      [['--repo', repo, '--verify', 'npm test; curl evil'], /";" is not allowed unquoted/],
      [['--repo', repo, '--allow', 'src/[a'], /is not a valid glob/],
      [['--repo', 'https://user:secret@example.com/r.git'], /carries credentials/],
    ];
    for (const [flags, message] of cases) {
      const id = uniqueId('bad');
      const result = await planwright(['run', 'goal', ...flags, '--id', id], cliEnv);
      assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, flags.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      // Nothing started.
      await assert.rejects(env.client.workflow.getHandle(id).describe());
    }
    assert.equal(fixtureGit(repo, 'branch', '--list', 'planwright/*'), '');
  });

  it('status --json prints JSON for a run that failed while opening its workspace, and exits 1', async () => {
    const repo = userRepository(PROJECT);
    await withWorker(env, {}, async (h) => {
      const runId = uniqueId('cli');
      // A base the repository lacks: the run fails at its opening, before it plans (the CLI would refuse it earlier).
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [
          { goal: 'g', plan: JSON.parse(readFileSync(planFile, 'utf8')), workspace: { repo, base: 'no-such-ref' } },
        ],
      });
      await assert.rejects(handle.result());
      const status = await planwright(['status', runId, '--json'], cliEnv);
      assert.equal(status.code, 1, status.stderr);
      const view = JSON.parse(status.stdout) as { status: string; closedAs: string; tasks: { status: string }[] };
      assert.match(view.closedAs, /^failed: .*no-such-ref/);
      assert.deepEqual(
        view.tasks.map((t) => t.status),
        ['pending'],
      );
    });
  });

  it('says so when no worker takes workspace work: the run waits for one, visibly', async () => {
    const repo = userRepository(PROJECT);
    await withWorker(
      env,
      {},
      async (h) => {
        const runId = uniqueId('cli');
        const run = await planwright(
          ['run', '--plan', planFile, '--repo', repo, '--id', runId, '--task-queue', h.taskQueue],
          cliEnv,
        );
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, new RegExp(`no worker polls the workspace queue "${h.taskQueue}-workspace"`));
        assert.match(run.stderr, /the run waits until one does/);
        await h.env.client.workflow.getHandle(runId).terminate('test over');
      },
      { workspace: false },
    );
  });
});
