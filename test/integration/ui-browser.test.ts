/**
 * `planwright ui` in a real browser (Debian's Chromium, headless, driven by playwright-core) against a real Temporal
 * dev server, worker and simulator: a run that waits for credits is listed first, recolours live as it moves, opens
 * a task with its rounds and model calls, is approved from the page (a second, stale approval from another tab is
 * refused with the run's own reason) and is seen to succeed; a finished run is shown from its history with no worker;
 * an unknown run says so; and a plan of 5,000 tasks is drawn (a canvas, the quick layout first, then ELK's).
 * Timing of the large plan is a benchmark (bench/ui.ts), not asserted here.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { startRun } from '../../src/client';
import { McpServersConfig } from '../../src/config';
import { GoalInput, type GoalInputJson, type RunView } from '../../src/domain/run';
import { ensureChromium } from '../../src/infra/chromium';
import { createTemporalBackend } from '../../src/ui/backend';
import { startUiServer, type UiServer } from '../../src/ui/server';
import { pendingApprovalsQuery } from '../../src/workflows/messages';
import { launchChromium } from '../helpers/browser';
import { randomPlan } from '../helpers/dags';
import { userRepository } from '../helpers/git-fixtures';
import { waitFor } from '../helpers/history';
import { toolResultsOf } from '../helpers/model-calls';
import { createTestEnvironment, productionBundle, testWorkspace, uniqueId, withWorker } from '../helpers/temporal';
import { createFakeBackend, detailsOf } from '../helpers/ui-backend';

/** The README's picture, rewritten only on request (PLANWRIGHT_UPDATE_SCREENSHOT=1) so test runs leave no diff. */
const SCREENSHOT = process.env.PLANWRIGHT_UPDATE_SCREENSHOT
  ? path.join(__dirname, '../../docs/screenshots/ui-run.png')
  : path.join(tmpdir(), 'planwright-ui-run.png');
/** Bounds each browser step; the page itself answers within a second or two. */
const PAGE_TIMEOUT_MS = 30_000;
const ORANGE = 'rgb(242, 153, 74)';
const GREEN = 'rgb(39, 174, 96)';

/** The little of the browser the page functions below use (this project compiles without the DOM's types). */
declare const window: { notReloaded?: boolean; getComputedStyle(el: unknown): { fill: string } };

const setup = ensureChromium();
// In CI a missing browser is a broken machine; elsewhere it only costs this one suite.
const skip = setup.ok || process.env.CI ? false : `no Chromium for the UI browser test: ${setup.reason}`;

let env: TestWorkflowEnvironment;
let browser: Browser;
let ui: UiServer;

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
  return page;
}

const node = (page: Page, taskId: string) => page.locator(`.graph-svg [data-task-id="${taskId}"]`);
const fillOf = (page: Page, taskId: string) =>
  node(page, taskId)
    .locator('rect')
    .evaluate((rect) => window.getComputedStyle(rect).fill);
const card = (page: Page, taskId: string) => page.locator(`.approvals .approval[data-task-id="${taskId}"]`);

/** Approves `credits` for the waiting task from its card, and returns the card's outcome line. */
async function approveFromPage(page: Page, taskId: string, credits: number) {
  const c = card(page, taskId);
  await c.getByRole('button', { name: 'Approve…' }).click();
  await c.locator('input[name="credits"]').fill(String(credits));
  await c.locator('input[name="note"]').fill('from the browser test');
  await c.getByRole('button', { name: 'Approve', exact: true }).click();
  return c.locator('.outcome');
}

describe('the Planwright UI in Chromium', { skip, timeout: 300_000 }, () => {
  before(
    async () => {
      if (!setup.ok) assert.fail(`CI needs Chromium for the UI browser test: ${setup.reason}`);
      env = await createTestEnvironment();
      await productionBundle();
      const namespace = env.namespace ?? 'default';
      ui = await startUiServer({
        backend: createTemporalBackend(env.client, { namespace, webUiUrl: 'http://localhost:8233' }),
        auth: { kind: 'local', user: 'ana' },
        port: 0,
      });
      browser = await launchChromium(setup.path, PAGE_TIMEOUT_MS);
    },
    { timeout: 180_000 },
  );
  after(async () => {
    await browser?.close();
    await ui?.close();
    await env?.teardown();
  });

  it('approves a waiting task from the page, recolours it live, refuses a stale second approval with the run’s reason, and shows the run succeed', async () => {
    const input: GoalInputJson = {
      goal: 'Write the release notes',
      budgetCredits: 10,
      autoApproveCredits: 0,
      plan: {
        goal: 'Write the release notes',
        tasks: [
          { id: 'draft', title: 'Draft the notes', acceptanceCriteria: ['lists every change'] },
          { id: 'polish', title: 'Polish the notes', deps: ['draft'], acceptanceCriteria: ['reads well'] },
        ],
      },
    };
    await withWorker(env, { usage: 'max' }, async (h) => {
      const runId = uniqueId('ui-run');
      const handle = await env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [input],
      });
      await waitFor('draft to wait for approval', async () => (await handle.query(pendingApprovalsQuery))[0]);

      const page = await newPage();
      await page.goto(`${ui.url}/`);
      const row = page.locator(`tr[data-run-id="${runId}"]`);
      await row.filter({ hasText: 'draft needs' }).waitFor();
      assert.equal(
        await page.locator('tbody tr').first().getAttribute('data-run-id'),
        runId,
        'waiting runs come first',
      );
      assert.match(await row.innerText(), /0\/2 ended\s+0 of 10\b/);
      await row.getByRole('link').click();
      await node(page, 'draft').and(page.locator('[data-status="awaiting_approval"]')).waitFor();
      assert.equal(await fillOf(page, 'draft'), ORANGE);
      // Any reload from here on would drop this mark.
      await page.evaluate(() => (window.notReloaded = true));

      // A second tab opens the same approval and leaves it open while the first one approves.
      const other = await newPage();
      await other.goto(`${ui.url}/runs/${encodeURIComponent(runId)}`);
      await card(other, 'draft').getByRole('button', { name: 'Approve…' }).click();
      // The suggestion is the one `pending` and `approve` make, with the sentence that explains it.
      const basis = await card(other, 'draft').locator('.suggestion-basis').innerText();
      assert.match(basis, /^Suggested \d+: 2 calls left in round 1 of 3 .* less the [\d.]+ the task still holds/);

      const outcome = await approveFromPage(page, 'draft', 200);
      await outcome.filter({ hasText: 'Approved 200 credits for draft.' }).waitFor();
      await node(page, 'draft').and(page.locator('[data-status="succeeded"]')).waitFor();
      assert.equal(await fillOf(page, 'draft'), GREEN);
      await node(page, 'polish').and(page.locator('[data-status="awaiting_approval"]')).waitFor();
      assert.equal(await page.evaluate(() => window.notReloaded), true, 'recoloured without a reload');

      const stale = card(other, 'draft');
      await stale.locator('input[name="credits"]').fill('5');
      await stale.getByRole('button', { name: 'Approve', exact: true }).click();
      const refusal = stale.getByRole('alert');
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /the run refused the approval: task "draft" is not waiting for approval/);

      await node(page, 'draft').click();
      const panel = page.locator('.task-panel[data-task-id="draft"]');
      await panel.locator('.round[data-round="1"] .verdict.pass').waitFor();
      assert.match(await panel.locator('.model-calls').innerText(), /implementTask[\s\S]*reviewTask/);
      assert.equal(
        await panel.locator('a.web-ui-link').getAttribute('href'),
        `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(`${runId}/draft`)}`,
      );
      assert.match(page.url(), new RegExp(`/runs/${runId}/tasks/draft$`));

      await (
        await approveFromPage(page, 'polish', 200)
      )
        .filter({ hasText: 'Approved 200 credits for polish.' })
        .waitFor();
      await page.locator('#run-status[data-status="succeeded"]').waitFor();
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.deepEqual(
        view.decisions.filter((d) => d.decision !== 'rejected').map((d) => [d.taskId, d.decision, d.by]),
        [
          ['draft', 'approved', 'ana'],
          ['polish', 'approved', 'ana'],
        ],
      );
      await other.context().close();
      await page.context().close();
    });
  });

  it('lets a gated tool call run from the page and denies the next one with a reason the agent reads', async () => {
    const repo = userRepository({ 'notes/index.md': '# Notes\n' });
    const write = (file: string) => ({
      tool: 'mcp__files__write_file',
      arguments: { path: file, content: `${file}\n` },
    });
    const bin = (name: string) => path.join(__dirname, '..', '..', 'node_modules', '.bin', name);
    const mcpServers = McpServersConfig.parse({
      files: { command: bin('mcp-server-filesystem'), args: ['.'], cwd: 'checkout', requiresApproval: ['write_file'] },
    });
    await withWorker(
      env,
      { tasks: { notes: { toolScript: [write('notes/a.md'), write('notes/b.md')] } } },
      async (h) => {
        const runId = uniqueId('ui-tools');
        const handle = await env.client.workflow.start('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: runId,
          args: [
            {
              goal: 'Write two notes',
              plan: { goal: 'g', tasks: [{ id: 'notes', title: 'Write two notes', acceptanceCriteria: ['written'] }] },
              workspace: { repo, policy: { allowPaths: ['notes/**'] } },
            },
          ],
        });
        const page = await newPage();
        await page.goto(`${ui.url}/runs/${encodeURIComponent(runId)}`);
        const first = card(page, 'notes').filter({ hasText: 'notes/a.md' });
        await first.filter({ hasText: 'notes wants to call files.write_file' }).waitFor();
        await first.getByRole('button', { name: 'Let it run…' }).click();
        await first.locator('input[name="note"]').fill('a is fine');
        await first.getByRole('button', { name: 'Let it run', exact: true }).click();
        await first.locator('.outcome').filter({ hasText: 'Approved tool call notes/r1s1.' }).waitFor();

        const second = card(page, 'notes').filter({ hasText: 'notes/b.md' });
        await second.getByRole('button', { name: 'Deny…' }).click();
        await second.locator('input[name="reason"]').fill('one note is enough');
        await second.getByRole('button', { name: 'Deny', exact: true }).click();
        await second.locator('.outcome').filter({ hasText: 'Denied tool call notes/r1s2.' }).waitFor();

        await page.locator('#run-status[data-status="succeeded"]').waitFor();
        const view: RunView = await handle.result();
        assert.deepEqual(view.tasks[0]!.work!.changedFiles, ['notes/a.md']);
        assert.deepEqual(
          view.decisions.map((d) => [d.decision, d.by, d.note]),
          [
            ['approved', 'ana', 'tool call files.write_file (notes/r1s1): a is fine'],
            ['denied', 'ana', 'tool call files.write_file (notes/r1s2): one note is enough'],
          ],
        );
        const last = h.sim
          .requests()
          .filter((r) => r.task === 'notes' && r.kind === 'implementer')
          .at(-1)!;
        assert.match(toolResultsOf(last.messages)[1]!, /^error: denied by ana: one note is enough/);
        await page.context().close();
      },
      { workspace: { ...testWorkspace(), mcpServers } },
    );
  });

  it('retries a failed task of a holding run from the page with feedback, then finishes the next holding run', async () => {
    const plan = {
      goal: 'g',
      tasks: [
        { id: 'build', title: 'Build it', acceptanceCriteria: ['built'] },
        { id: 'ship', title: 'Ship it', acceptanceCriteria: ['shipped'], deps: ['build'] },
      ],
    };
    await withWorker(env, { tasks: { build: { verdicts: ['FAIL', 'PASS'] } } }, async (h) => {
      const start = async (id: string) => {
        const handle = await env.client.workflow.start('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: id,
          args: [{ goal: 'Build and ship', plan, maxReviewRounds: 1, onTaskFailure: 'hold' as const }],
        });
        return handle;
      };
      const runId = uniqueId('ui-hold');
      const handle = await start(runId);
      const page = await newPage();
      await page.goto(`${ui.url}/runs/${encodeURIComponent(runId)}`);
      const held = card(page, 'build');
      await page.locator('#run-status[data-status="holding"]').waitFor();
      await held.filter({ hasText: 'review failed after 1 round' }).waitFor();
      await held.getByRole('button', { name: 'Retry…' }).click();
      await held.locator('input[name="feedback"]').fill('Link it statically.');
      await held.getByRole('button', { name: 'Retry', exact: true }).click();
      await held.locator('.outcome').filter({ hasText: 'Retrying build' }).waitFor();
      await page.locator('#run-status[data-status="succeeded"]').waitFor();
      const view: RunView = await handle.result();
      assert.deepEqual(
        view.holdDecisions?.map((d) => [d.decision, d.by, d.note]),
        [['retry', 'ana', 'Link it statically.']],
      );

      // A second run whose build always fails: a person finishes it from the page.
      const second = uniqueId('ui-hold');
      h.sim.setScenario({ tasks: { build: { verdicts: ['FAIL'] } } });
      const secondHandle = await start(second);
      await page.goto(`${ui.url}/runs/${encodeURIComponent(second)}`);
      const again = card(page, 'build');
      await again.getByRole('button', { name: 'Finish…' }).click();
      await again.getByRole('button', { name: 'Finish', exact: true }).click();
      await again.locator('.outcome').filter({ hasText: 'Finishing the run with what it has.' }).waitFor();
      const finished: RunView = await secondHandle.result();
      assert.equal(finished.status, 'failed', 'nothing succeeded');
      assert.deepEqual(
        finished.holdDecisions?.map((d) => [d.decision, d.by]),
        [['finish', 'ana']],
      );
      await page.context().close();
    });
  });

  it("shows a round that failed its checks with a FAIL badge and the end of the output first, and the run's lack of a result", async () => {
    const repo = userRepository({ 'package.json': '{ "name": "fixture" }\n' });
    // A test runner's progress dots first, then the failing test's name at the very end.
    const noisy =
      "process.stdout.write('.'.repeat(400) + '\\n' + 'x\\n'.repeat(60));\n" +
      "require('node:test')('parses the okapi header', () => { throw new Error('okapi header missing'); });\n";
    const scenario = {
      tasks: {
        calc: {
          toolScript: [{ tool: 'write_file', arguments: { path: 'test/okapi.test.js', content: noisy } }],
          toolScriptRounds: 1,
        },
      },
    };
    const runId = uniqueId('ui-verify');
    await withWorker(env, scenario, async (h) => {
      await env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [
          {
            goal: 'g',
            plan: { goal: 'g', tasks: [{ id: 'calc', title: 'Task calc', acceptanceCriteria: ['done'] }] },
            workspace: { repo, policy: { commands: ['node --test'], verify: ['node --test'] } },
          } satisfies GoalInputJson,
        ],
      });
    });
    const page = await newPage();
    await page.goto(`${ui.url}/runs/${encodeURIComponent(runId)}/tasks/calc`);
    const round1 = page.locator('.task-panel[data-task-id="calc"] .round[data-round="1"]');
    await round1.locator('.verify.failed .verdict.fail').waitFor();
    assert.match(await round1.locator('.verify.failed .verdict.fail').innerText(), /^FAIL verify node --test: exit 1/);
    // The failing test is on screen, not at the end of a collapsed box after the dots.
    const tail = round1.locator('.verify.failed pre.verify-tail');
    assert.ok(await tail.isVisible());
    assert.match(await tail.innerText(), /okapi header missing/);
    assert.doesNotMatch(await tail.innerText(), /\.{400}/);
    // The test file stays broken in every round: no result, and the page says why rather than "verified".
    assert.match(await page.locator('#run-result').innerText(), /^Result: no result branch \(nothing-to-merge\)/);
    await page.context().close();
  });

  it('lists runs with their goal, budget and repository from the memo, and filters them by goal', async () => {
    const started: string[] = [];
    for (const goal of ['Count the okapis of the reserve', 'Feed the zebras']) {
      const runId = uniqueId('ui-goal');
      const input = GoalInput.parse({
        goal,
        budgetCredits: 42,
        plan: { goal, tasks: [{ id: 'a', title: 'Task a', acceptanceCriteria: ['done'] }] },
        workspace: { repo: '/srv/zoo.git' },
      });
      // No worker: the run only has to exist for the list.
      await startRun(env.client, input, { taskQueue: uniqueId('nobody'), workflowId: runId });
      started.push(runId);
    }
    const [okapis, zebras] = started as [string, string];
    try {
      const page = await newPage();
      await page.goto(`${ui.url}/`);
      const row = (id: string) => page.locator(`tr[data-run-id="${id}"]`);
      await row(okapis).filter({ hasText: 'Count the okapis of the reserve' }).waitFor();
      // No worker answers for these runs: the budget from the memo stands in for what they spent.
      assert.match(await row(okapis).innerText(), /budget 42\s+\/srv\/zoo\.git/);
      await page.locator('#goal-filter').fill('zebra');
      await row(okapis).waitFor({ state: 'detached' });
      assert.ok(await row(zebras).isVisible());
      await page.context().close();
    } finally {
      for (const id of started) await env.client.workflow.getHandle(id).terminate('test over');
    }
  });

  it('says that nothing ran for a run that failed before any task started', async () => {
    const repo = userRepository({ 'README.md': '# r\n' });
    const runId = uniqueId('ui-none');
    await withWorker(env, {}, async (h) => {
      const handle = await env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [
          {
            goal: 'g',
            plan: { goal: 'g', tasks: [{ id: 'a', title: 'Task a', acceptanceCriteria: ['done'] }] },
            workspace: { repo, base: 'no-such-ref' },
          } satisfies GoalInputJson,
        ],
      });
      await assert.rejects(handle.result());
    });
    const page = await newPage();
    await page.goto(`${ui.url}/runs/${encodeURIComponent(runId)}`);
    await page.locator('#nothing-ran').waitFor();
    assert.match(await page.locator('.note').first().innerText(), /Closed: failed: .*no-such-ref/);
    await page.context().close();
  });

  it('shows a finished run from its history with no worker: colours, critical path, credits and health', async () => {
    const plan = randomPlan(14, 7, { window: 5 });
    const failing = plan.tasks[3]!.id;
    const runId = uniqueId('ui-done');
    await withWorker(env, { tasks: { [failing]: { verdicts: ['FAIL'] } } }, async (h) => {
      await env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: 'Ship the okapi tracker', plan, maxReviewRounds: 2, budgetCredits: 400 }],
      });
    });
    const page = await newPage();
    await page.goto(`${ui.url}/runs/${encodeURIComponent(runId)}/tasks/${failing}`);
    await page.locator('#run-status[data-status="partial"]').waitFor();
    await page.locator('#graph[data-layout="elk"]').waitFor();
    assert.equal(await node(page, failing).getAttribute('data-status'), 'failed');
    assert.ok((await page.locator('.graph-svg .node.critical').count()) > 0, 'the critical path is marked');
    await page.locator(`.task-panel[data-task-id="${failing}"] .verdict.fail`).first().waitFor();
    assert.match(await page.locator('.health').innerText(), /Tasks: \d+ ended/);
    assert.equal(await page.locator('.chart .spent-line').count(), 1);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`# the run page: ${SCREENSHOT}`);
    await page.context().close();
  });

  it('says plainly that a run does not exist', async () => {
    const page = await newPage();
    await page.goto(`${ui.url}/runs/no-such-run`);
    const problem = page.getByRole('alert');
    await problem.waitFor();
    assert.match(await problem.innerText(), /No run with id "no-such-run"/);
    await page.context().close();
  });

  it('draws a plan of 5,000 tasks on a canvas: the quick layout at once, then ELK’s', async () => {
    const big = createFakeBackend([
      detailsOf('big', randomPlan(5000, 21, { window: 200 }), { statuses: { t0: 'running' } }),
    ]);
    const server = await startUiServer({ backend: big, auth: { kind: 'local', user: 'ana' }, port: 0 });
    const page = await newPage();
    try {
      await page.goto(`${server.url}/runs/big`);
      await page.waitForFunction(() => performance.getEntriesByName('planwright:graph-drawn:quick').length > 0);
      const drawnMs = await page.evaluate(
        () => performance.getEntriesByName('planwright:graph-drawn:quick')[0]!.startTime,
      );
      console.log(
        `# 5,000 tasks: first picture ${Math.round(drawnMs)} ms after navigation (not asserted: see bench/ui.ts)`,
      );
      assert.equal(await page.locator('#graph').getAttribute('data-renderer'), 'canvas');
      await page.locator('#graph[data-layout="elk"]').waitFor({ timeout: 120_000 });
    } finally {
      await page.context().close();
      await server.close();
    }
  });
});
