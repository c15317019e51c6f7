/**
 * MCP servers in the tool loop, end to end: the reference "everything" server over stdio (shared by the worker) and
 * the reference filesystem server started in the task's checkout; real Temporal server, real git.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveToolCall, denyToolCall } from '../../src/client';
import { ConfigError, loadModelSettings, McpServersConfig } from '../../src/config';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { WAITING_TOOLS_ATTRIBUTE } from '../../src/domain/search-attributes';
import type { TaskProgress } from '../../src/domain/task-progress';
import { decodePayload } from '../../src/infra/data-converter';
import { createPlanwrightWorker } from '../../src/worker';
import {
  approveToolCallSignal,
  statusQuery,
  taskProgressQuery,
  toolCallDecisionSignal,
  toolCallQuotaSignal,
} from '../../src/workflows/messages';
import { answerOf } from '../helpers/decisions';
import { fixtureGit, userRepository } from '../helpers/git-fixtures';
import { activitySummaries, historyOf, waitFor } from '../helpers/history';
import { toolResultsOf } from '../helpers/model-calls';
import { createTestEnvironment, productionBundle, testWorkspace, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

const bin = (name: string) => path.join(__dirname, '..', '..', 'node_modules', '.bin', name);
const mcpServers = McpServersConfig.parse({
  everything: { command: bin('mcp-server-everything'), tools: { '*': ['echo'] }, idempotent: ['echo'] },
  files: {
    command: bin('mcp-server-filesystem'),
    args: ['.'],
    cwd: 'checkout',
    tools: { '*': ['write_file', 'read_text_file', 'move_file'] },
    requiresApproval: ['move_file'],
  },
});

describe('MCP servers in the tool loop', () => {
  it("records the servers' tools at start, calls them by name, and commits what a file server changed", async () => {
    const repo = userRepository({
      'package.json': '{ "name": "fixture" }\n',
      'README.md': '# Fixture\n',
      'notes/index.md': '# Notes\n',
    });
    const script = [
      { tool: 'mcp__everything__echo', arguments: { message: 'hello from the agent' } },
      { tool: 'mcp__files__write_file', arguments: { path: 'notes/mcp.md', content: 'written through MCP\n' } },
      // Outside --allow: the server writes it (it runs with the worker's rights), and the step undoes it.
      { tool: 'mcp__files__write_file', arguments: { path: 'README.md', content: 'overwritten\n' } },
      // Not in this agent's tool map: refused.
      { tool: 'mcp__files__list_directory', arguments: { path: '.' } },
    ];
    await withWorker(
      env,
      { tasks: { notes: { toolScript: script } } },
      async (h) => {
        const runId = uniqueId('run');
        const input: GoalInputJson = {
          goal: 'g',
          plan: { goal: 'g', tasks: [{ id: 'notes', title: 'Write notes', acceptanceCriteria: ['written'] }] },
          workspace: { repo, policy: { allowPaths: ['notes/**'] } },
        };
        const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: runId,
          args: [input],
        });
        assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
        // The tool list is in the run's history, as the opening activity's result: replay never asks a server.
        const openedEvent = (await historyOf(h.env.client, runId)).find(
          (e) =>
            e.activityTaskCompletedEventAttributes &&
            e.eventId &&
            e.activityTaskCompletedEventAttributes.scheduledEventId,
        );
        const recorded = await decodePayload<{ mcpTools?: { qualifiedName: string }[] }>(
          openedEvent!.activityTaskCompletedEventAttributes!.result!.payloads![0]!,
        );
        assert.deepEqual(recorded.mcpTools?.map((t) => t.qualifiedName).sort(), [
          'mcp__everything__echo',
          'mcp__files__move_file',
          'mcp__files__read_text_file',
          'mcp__files__write_file',
        ]);
        const summaries = await activitySummaries(h.env.client, `${runId}/notes`);
        assert.ok(summaries.includes('mcp everything.echo'), summaries.join(' | '));
        assert.ok(summaries.includes('mcp files.write_file'), summaries.join(' | '));
        const last = h.sim
          .requests()
          .filter((r) => r.task === 'notes' && r.kind === 'implementer')
          .at(-1)!;
        const results = toolResultsOf(last.messages);
        assert.match(results[0]!, /hello from the agent/);
        assert.doesNotMatch(results[1]!, /error/i, results[1]);
        assert.match(results[2]!, /undone: README\.md/);
        assert.match(results[3]!, /^error: no tool "mcp__files__list_directory" is offered/);
        const work = view.tasks[0]!.work!;
        assert.deepEqual(work.changedFiles, ['notes/mcp.md']);
        assert.equal(fixtureGit(repo, 'show', `${work.commit}:notes/mcp.md`), 'written through MCP');
        assert.equal(fixtureGit(repo, 'show', `${work.commit}:README.md`), '# Fixture');
      },
      { workspace: { ...testWorkspace(), mcpServers } },
    );
  });

  it('holds a gated call until a person decides on that very call: one approved runs, one denied reaches the model', async () => {
    const repo = userRepository({ 'notes/index.md': '# Notes\n' });
    const write = (file: string) => ({
      tool: 'mcp__files__write_file',
      arguments: { path: file, content: `${file}\n` },
    });
    const gatedServers = McpServersConfig.parse({
      files: { command: bin('mcp-server-filesystem'), args: ['.'], cwd: 'checkout', requiresApproval: ['write_file'] },
    });
    await withWorker(
      env,
      { tasks: { gated: { toolScript: [write('notes/a.md'), write('notes/b.md')] } } },
      async (h) => {
        const runId = uniqueId('run');
        const handle = await h.env.client.workflow.start('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: runId,
          args: [
            {
              goal: 'g',
              plan: { goal: 'g', tasks: [{ id: 'gated', title: 'Write two notes', acceptanceCriteria: ['written'] }] },
              approvers: [{ approver: 'ana' }],
              workspace: { repo, policy: { allowPaths: ['notes/**'] } },
            },
          ],
        });
        const waitingOn = (requestId: string) =>
          waitFor(`${requestId} to wait for a person`, async () =>
            (await handle.query(statusQuery)).pendingToolCalls?.find((c) => c.requestId === requestId),
          );
        const first = await waitingOn('gated/r1s1');
        assert.equal(first.server, 'files');
        assert.equal(first.tool, 'write_file');
        assert.match(first.arguments, /notes\/a\.md/);
        // The search attribute names the tool (never its arguments), so the Web UI's filter finds the run.
        const described = await waitFor('the waiting tool in the search attributes', async () => {
          const d = await handle.describe();
          return d.typedSearchAttributes.get(WAITING_TOOLS_ATTRIBUTE)?.length ? d : undefined;
        });
        assert.deepEqual(described.typedSearchAttributes.get(WAITING_TOOLS_ATTRIBUTE), ['files.write_file']);
        // Answers sent straight to the task, past the run: not for the call it waits on, malformed, or for a request
        // it never made. Each is refused and counted on the one channel; the call still waits.
        const taskHandle = h.env.client.workflow.getHandle(`${runId}/gated`);
        await taskHandle.signal(toolCallDecisionSignal, { requestId: 'gated/r9s9', kind: 'approved', by: 'mallory' });
        await taskHandle.signal(toolCallDecisionSignal, { nonsense: true } as never);
        await taskHandle.signal(toolCallQuotaSignal, { requestId: 'never-asked', granted: 100, limit: 100 });
        const refused = await waitFor('three refused answers', async () => {
          const p: TaskProgress = await taskHandle.query(taskProgressQuery);
          return p.refusedSignals === 3 ? p : undefined;
        });
        assert.equal(refused.phase, 'awaiting_approval');
        assert.ok((await handle.query(statusQuery)).pendingToolCalls?.some((c) => c.requestId === 'gated/r1s1'));
        // Not an approver, and not a waiting call: both refused with the run's reason.
        const stranger = answerOf(
          await approveToolCall(h.env.client, runId, { requestId: 'gated/r1s1', by: 'mallory' }),
        );
        assert.equal(stranger.accepted, false);
        assert.match(stranger.reason ?? '', /"mallory" is not on this run's approver list/);
        const unknown = answerOf(await approveToolCall(h.env.client, runId, { requestId: 'gated/r9s9', by: 'ana' }));
        assert.match(unknown.reason ?? '', /no tool call "gated\/r9s9" is waiting/);
        const approved = answerOf(await approveToolCall(h.env.client, runId, { requestId: 'gated/r1s1', by: 'ana' }));
        assert.deepEqual([approved.accepted, approved.requestId], [true, 'gated/r1s1']);
        // The same decision again (as the CLI's signal fallback would send it): a duplicate, neither applied nor refused.
        const repeat = { requestId: 'gated/r1s1', by: 'ana', decisionId: approved.decisionId };
        await handle.signal(approveToolCallSignal, repeat);
        await waitingOn('gated/r1s2');
        const denied = answerOf(
          await denyToolCall(h.env.client, runId, {
            requestId: 'gated/r1s2',
            by: 'ana',
            reason: 'one is enough',
          }),
        );
        assert.equal(denied.accepted, true);

        const view: RunView = await handle.result();
        assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
        assert.deepEqual(view.tasks[0]!.work!.changedFiles, ['notes/a.md']);
        const last = h.sim
          .requests()
          .filter((r) => r.task === 'gated' && r.kind === 'implementer')
          .at(-1)!;
        const results = toolResultsOf(last.messages);
        assert.match(results[1]!, /^error: denied by ana: one is enough/);
        assert.deepEqual(
          view.decisions.filter((d) => d.note?.startsWith('tool call')).map((d) => [d.decision, d.by]),
          [
            ['approved', 'ana'],
            ['denied', 'ana'],
          ],
        );
        assert.deepEqual(
          view.decisions.filter((d) => d.decision === 'duplicate').map((d) => [d.decisionId, d.by]),
          [[approved.decisionId, 'ana']],
        );
        assert.equal(view.refused?.byName.approveToolCall, 2, 'the stranger and the unknown call; not the repeat');
      },
      { workspace: { ...testWorkspace(), mcpServers: gatedServers } },
    );
  });

  it('restarts a server killed in the middle of a run, and the call made after it gets its answer', async () => {
    const repo = userRepository({ 'README.md': '# Fixture\n' });
    const echo = (message: string) => ({ tool: 'mcp__everything__echo', arguments: { message } });
    // The second call waits for a person: the test kills the server while the run waits, then lets the call go.
    const servers = McpServersConfig.parse({
      everything: { command: bin('mcp-server-everything'), tools: { '*': ['echo'] }, requiresApproval: ['echo'] },
    });
    await withWorker(
      env,
      { tasks: { k: { toolScript: [echo('before the kill'), echo('after the kill')], verdicts: ['PASS'] } } },
      async (h) => {
        const runId = uniqueId('run');
        const handle = await h.env.client.workflow.start('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: runId,
          args: [
            {
              goal: 'g',
              plan: { goal: 'g', tasks: [{ id: 'k', title: 'Echo twice', acceptanceCriteria: ['ok'] }] },
              workspace: { repo },
            },
          ],
        });
        const waitingOn = (requestId: string) =>
          waitFor(`${requestId} to wait`, async () =>
            (await handle.query(statusQuery)).pendingToolCalls?.find((c) => c.requestId === requestId),
          );
        await waitingOn('k/r1s1');
        await approveToolCall(h.env.client, runId, { requestId: 'k/r1s1', by: 'ana' });
        await waitingOn('k/r1s2');
        const killed = spawnSync('pkill', ['-KILL', '-f', 'server-everything'], { encoding: 'utf8' });
        assert.equal(killed.status, 0, 'the server was running and is killed');
        await approveToolCall(h.env.client, runId, { requestId: 'k/r1s2', by: 'ana' });
        const view: RunView = await handle.result();
        assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
        const results = toolResultsOf(
          h.sim
            .requests()
            .filter((r) => r.task === 'k' && r.kind === 'implementer')
            .at(-1)!.messages,
        );
        assert.match(results[0]!, /before the kill/);
        assert.match(results[1]!, /after the kill/);
      },
      { workspace: { ...testWorkspace(), mcpServers: servers } },
    );
  });

  it('refuses to start a worker whose MCP server cannot start, in one line naming the server', async () => {
    const broken = McpServersConfig.parse({ broken: { command: 'pw-no-such-mcp-server' } });
    await assert.rejects(
      createPlanwrightWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue: uniqueId('tq'),
        settings: loadModelSettings({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, tmpdir()),
        workflowBundle: await productionBundle(),
        workspace: { ...testWorkspace(), mcpServers: broken },
      }),
      (err: Error) => err instanceof ConfigError && /"broken"/.test(err.message) && !err.message.includes('\n'),
    );
  });
});
