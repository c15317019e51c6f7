/**
 * Tool calls are metered: a task's own limit and the run's (counted by the run across tasks running at once), credit
 * prices of MCP tools charged to the task, and an HTTP MCP server's secret header absent from every history. Real
 * Temporal server, real git, the reference "everything" server over stdio and an HTTP server run by the test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server as McpLowLevelServer } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ConfigError, loadModelSettings, McpServersConfig } from '../../src/config';
import { TASK_TOOL_CALL_LIMIT } from '../../src/domain/errors';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { createPlanwrightWorker } from '../../src/worker';
import { fixtureGit, userRepository } from '../helpers/git-fixtures';
import { historyOf } from '../helpers/history';
import { serveMcpOverHttp, type McpHttpServer } from '../helpers/mcp-http';
import { toolResultsOf } from '../helpers/model-calls';
import {
  createTestEnvironment,
  productionBundle,
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

const bin = (name: string) => path.join(__dirname, '..', '..', 'node_modules', '.bin', name);
const write = (file: string) => ({ tool: 'write_file', arguments: { path: file, content: `${file}\n` } });
const task = (id: string) => ({ id, title: `Task ${id}`, acceptanceCriteria: ['done'] });

function runGoal(h: Harness, input: GoalInputJson): Promise<RunView> {
  return h.env.client.workflow.execute('goalWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: uniqueId('run'),
    args: [input],
  });
}

/** Files a task's branch changed, from the run's view. */
const changed = (view: RunView, taskId: string) => view.tasks.find((t) => t.id === taskId)?.work?.changedFiles ?? [];

describe('tool-call limits', () => {
  it("stops a round at the task's limit: the work so far is judged, and a round that needs more fails the task", async () => {
    const repo = userRepository({ 'notes/index.md': '# Notes\n' });
    const script = [write('notes/a.md'), write('notes/b.md'), write('notes/c.md'), write('notes/d.md')];
    await withWorker(
      env,
      {
        tasks: {
          judged: { toolScript: script, verdicts: ['PASS'] },
          again: { toolScript: script, verdicts: ['FAIL'] },
        },
      },
      async (h) => {
        const view = await runGoal(h, {
          goal: 'g',
          plan: { goal: 'g', tasks: [task('judged'), task('again')] },
          maxReviewRounds: 2,
          workspace: { repo, policy: { allowPaths: ['notes/**'], maxToolCallsPerTask: 2 } },
        });
        const judged = view.tasks.find((t) => t.id === 'judged')!;
        assert.equal(judged.status, 'succeeded', judged.error);
        assert.deepEqual(changed(view, 'judged'), ['notes/a.md', 'notes/b.md']);
        const again = view.tasks.find((t) => t.id === 'again')!;
        assert.equal(again.status, 'failed');
        assert.match(again.error ?? '', /all 2 tool calls it may \(maxToolCallsPerTask\), and round 2 needs more/);
        // The third call was never run: the model was not told a result for it, and no file exists for it.
        const lastTurn = h.sim
          .requests()
          .filter((r) => r.task === 'judged' && r.kind === 'implementer')
          .at(-1)!;
        assert.equal(toolResultsOf(lastTurn.messages).length, 2);
        const failure = await h.env.client.workflow
          .getHandle(`${view.runId}/again`)
          .result()
          .then(
            () => undefined,
            (err: WorkflowFailedError) => err.cause as ApplicationFailure,
          );
        assert.equal(failure?.type, TASK_TOOL_CALL_LIMIT);
      },
    );
  });

  it("never lets tasks running at once make more tool calls together than the run's limit", async () => {
    const repo = userRepository({ 'notes/index.md': '# Notes\n' });
    const three = (id: string) => [write(`notes/${id}1.md`), write(`notes/${id}2.md`), write(`notes/${id}3.md`)];
    await withWorker(env, { tasks: { x: { toolScript: three('x') }, y: { toolScript: three('y') } } }, async (h) => {
      const view = await runGoal(h, {
        goal: 'g',
        plan: { goal: 'g', tasks: [task('x'), task('y')] },
        maxConcurrency: 2,
        maxReviewRounds: 1,
        workspace: { repo, policy: { allowPaths: ['notes/**'], maxToolCallsPerRun: 4 } },
      });
      const written = [...changed(view, 'x'), ...changed(view, 'y')];
      assert.equal(written.length, 4, `${written.join(', ')}; ${view.tasks.map((t) => t.error).join('; ')}`);
      // The run counted: each grant is a signal in its history, and no grant exceeded what was left.
      const requests = (await historyOf(h.env.client, view.runId)).filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'requestToolCallQuota',
      );
      assert.ok(requests.length >= 2, `${requests.length} quota requests`);
      for (const t of view.tasks) {
        const outcome = (await h.env.client.workflow.getHandle(`${view.runId}/${t.id}`).result()) as {
          toolCalls?: number;
        };
        assert.equal(outcome.toolCalls, changed(view, t.id).length, t.id);
      }
    });
  });
});

describe('credit prices of MCP tools', () => {
  const echo = (message: string) => ({ tool: 'mcp__everything__echo', arguments: { message } });
  const servers = (creditsPerCall?: Record<string, number>) =>
    McpServersConfig.parse({
      everything: {
        command: bin('mcp-server-everything'),
        tools: { '*': ['echo'] },
        ...(creditsPerCall ? { creditsPerCall } : {}),
      },
    });

  async function spentBy(creditsPerCall?: Record<string, number>): Promise<number> {
    const repo = userRepository({ 'README.md': '# Fixture\n' });
    return withWorker(
      env,
      { tasks: { ask: { toolScript: [echo('one'), echo('two'), echo('three')], verdicts: ['PASS'] } } },
      async (h) => {
        const view = await runGoal(h, {
          goal: 'g',
          plan: { goal: 'g', tasks: [task('ask')] },
          workspace: { repo, policy: { allowPaths: ['notes/**'] } },
        });
        assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
        return view.tasks[0]!.spentMillicredits;
      },
      { workspace: { ...testWorkspace(), mcpServers: servers(creditsPerCall) } },
    );
  }

  it("charges each call's price to the task, on top of the model's tokens", async () => {
    const free = await spentBy();
    const priced = await spentBy({ echo: 1.5 });
    assert.equal(priced - free, 3 * 1500);
  });
});

describe('a tool schema the provider cannot take', () => {
  let http: McpHttpServer;
  let url: string;
  before(async () => {
    // The low-level server, so the test can list a schema McpServer's zod shapes would never produce.
    http = await serveMcpOverHttp(() => {
      const server = new McpLowLevelServer({ name: 'bad-schemas', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, () => ({
        tools: [
          { name: 'fine', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
          { name: 'tag', inputSchema: { type: 'object', properties: { tags: { type: 'array' } } } },
        ],
      }));
      return server;
    });
    url = http.url;
  });
  after(() => http?.close());

  const startWorker = (mcpServers: McpServersConfig) =>
    productionBundle().then((workflowBundle) =>
      createPlanwrightWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue: uniqueId('tq'),
        settings: loadModelSettings({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, tmpdir()),
        workflowBundle,
        workspace: { ...testWorkspace(), mcpServers },
      }),
    );

  it('stops the worker at start with one line naming the server, the tool, the fault and the fix', async () => {
    await assert.rejects(startWorker(McpServersConfig.parse({ tagger: { url } })), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        'MCP server "tagger": offers the tool "tag", which providers refuse: its input schema has an array without "items" at properties.tags; leave it out of mcpServers.tagger.tools, or fix the server',
      );
      return true;
    });
  });

  it('starts when the agents are not given that tool', async () => {
    const worker = await startWorker(McpServersConfig.parse({ tagger: { url, tools: { '*': ['fine'] } } }));
    await worker.runUntil(Promise.resolve());
  });
});

describe('an HTTP MCP server behind a secret header', { timeout: 120_000 }, () => {
  const token = `tok-${randomUUID()}`;
  let http: McpHttpServer;
  let url: string;
  before(async () => {
    http = await serveMcpOverHttp(
      (req) => {
        const server = new McpServer({ name: 'whoami', version: '1.0.0' });
        // Echoes the caller's credentials: the worker must mask them before anything reaches a history.
        server.registerTool('whoami', { description: 'Says what the caller sent' }, () => ({
          content: [{ type: 'text', text: `you sent ${req.headers.authorization}` }],
        }));
        return server;
      },
      { authorization: `Bearer ${token}` },
    );
    url = http.url;
    process.env.PW_TEST_MCP_SECRET = `Bearer ${token}`;
  });
  after(async () => {
    delete process.env.PW_TEST_MCP_SECRET;
    await http?.close();
  });

  it('is absent from every history of the run, and from what the model was sent', async () => {
    const repo = userRepository({ 'README.md': '# Fixture\n' });
    const mcpServers = McpServersConfig.parse({
      remote: { url, headersFromEnv: { Authorization: 'PW_TEST_MCP_SECRET' } },
    });
    await withWorker(
      env,
      { tasks: { who: { toolScript: [{ tool: 'mcp__remote__whoami', arguments: {} }], verdicts: ['PASS'] } } },
      async (h) => {
        const view = await runGoal(h, {
          goal: 'g',
          plan: { goal: 'g', tasks: [task('who')] },
          workspace: { repo, policy: { allowPaths: ['notes/**'] } },
        });
        assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
        const results = toolResultsOf(
          h.sim
            .requests()
            .filter((r) => r.task === 'who' && r.kind === 'implementer')
            .at(-1)!.messages,
        );
        // The call really went through with the header, and the model read it masked.
        assert.match(results[0]!, /you sent \*\*\*/);
        for (const workflowId of [view.runId, `${view.runId}/who`]) {
          const history = JSON.stringify(await historyOf(h.env.client, workflowId), (_key, value: unknown) =>
            value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
          );
          assert.ok(history.length > 1000, workflowId);
          assert.ok(!history.includes(token), `the secret is in the history of ${workflowId}`);
        }
        assert.ok(!JSON.stringify(h.sim.requests()).includes(token), 'the secret reached the model');
        assert.ok(fixtureGit(repo, 'status', '--short') === '');
      },
      { workspace: { ...testWorkspace(), mcpServers } },
    );
  });
});
