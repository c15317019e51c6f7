import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallSlots } from '../../src/activities/mcp/call-slots';
import { McpServerConfig } from '../../src/config/mcp';
import { mcpCallPrice } from '../../src/domain/mcp';
import { ToolCallQuota } from '../../src/domain/tool-call-quota';
import { intersectPolicies, narrowPolicy } from '../../src/domain/workspace-policy';
import { WorkspacePolicy } from '../../src/domain/workspace-policy-schema';

describe("the run's tool-call quota", () => {
  it('never grants more than the limit, however many tasks ask', () => {
    const quota = new ToolCallQuota();
    let granted = 0;
    for (let i = 0; i < 50; i++) granted += quota.grant(`t${i % 7}`, 5, 23, 7);
    assert.equal(granted, 23);
    assert.equal(quota.grant('t0', 5, 23, 7), 0);
  });

  it('grants blocks while plenty is left and single calls near the limit', () => {
    const quota = new ToolCallQuota();
    assert.equal(quota.grant('a', 5, 100, 2), 5);
    assert.equal(quota.grant('b', 5, 8, 2), 1);
  });

  it('takes back what an ended task did not use, and counts a silent one in full', () => {
    const quota = new ToolCallQuota();
    quota.grant('a', 5, 100, 1);
    quota.grant('b', 5, 100, 1);
    quota.settle('a', 2);
    quota.settle('b', undefined);
    assert.equal(quota.committed(), 7);
    // More used than granted cannot happen; if a report says so, the grant caps it.
    quota.grant('c', 5, 100, 1);
    quota.settle('c', 99);
    assert.equal(quota.committed(), 12);
  });

  it('survives continue-as-new through its state', () => {
    const quota = new ToolCallQuota();
    assert.equal(quota.state(), undefined);
    quota.grant('a', 3, 10, 1);
    quota.settle('a', 1);
    quota.grant('b', 2, 10, 1);
    const restored = new ToolCallQuota(quota.state());
    assert.equal(restored.committed(), 3);
    restored.settle('b', 0);
    assert.equal(restored.committed(), 1);
  });
});

describe('tool-call limits in policies', () => {
  const policy = (fields: object) => WorkspacePolicy.parse(fields);

  it('take the lower of the user and the ceiling, and stay unset when neither sets them', () => {
    const both = intersectPolicies(policy({ maxToolCallsPerRun: 50 }), policy({ maxToolCallsPerRun: 20 }));
    assert.ok(both.ok);
    assert.equal(both.policy.maxToolCallsPerRun, 20);
    const ceilingOnly = intersectPolicies(policy({}), policy({ maxToolCallsPerTask: 9 }));
    assert.ok(ceilingOnly.ok);
    assert.equal(ceilingOnly.policy.maxToolCallsPerTask, 9);
    const none = intersectPolicies(policy({}), policy({}));
    assert.ok(none.ok);
    assert.ok(!('maxToolCallsPerTask' in none.policy) && !('maxToolCallsPerRun' in none.policy));
  });

  it("let a task lower its own limit but never raise it, nor touch the run's", () => {
    const run = policy({ maxToolCallsPerTask: 10, maxToolCallsPerRun: 100 });
    const lower = narrowPolicy(run, { maxToolCallsPerTask: 4 });
    assert.ok(lower.ok);
    assert.equal(lower.policy.maxToolCallsPerTask, 4);
    assert.equal(lower.policy.maxToolCallsPerRun, 100);
    const higher = narrowPolicy(run, { maxToolCallsPerTask: 11 });
    assert.deepEqual(higher, {
      ok: false,
      errors: ["maxToolCallsPerTask 11 widens the run's policy (allowed: at most 10)"],
    });
  });

  it('refuse a limit below one with the field named', () => {
    const parsed = WorkspacePolicy.safeParse({ maxToolCallsPerRun: 0 });
    assert.ok(!parsed.success);
    assert.deepEqual(parsed.error.issues[0]?.path, ['maxToolCallsPerRun']);
  });
});

describe('MCP tool prices and call slots', () => {
  it('price a call by its exact name first, then by the first matching pattern', () => {
    const prices = { 'search_*': 0.25, search_web: 2, '*': 0.01 };
    assert.equal(mcpCallPrice(prices, 'search_web'), 2000);
    assert.equal(mcpCallPrice(prices, 'search_docs'), 250);
    assert.equal(mcpCallPrice(prices, 'fetch'), 10);
    assert.equal(mcpCallPrice(undefined, 'fetch'), 0);
    // Tools named like Object methods find their own price, never the prototype's method.
    assert.equal(mcpCallPrice({ '*': 0.01 }, 'constructor'), 10);
    assert.equal(mcpCallPrice({}, 'toString'), 0);
  });

  it('refuse a negative price and default to eight calls at once', () => {
    const bad = McpServerConfig.safeParse({ command: 'x', creditsPerCall: { search: -1 } });
    assert.ok(!bad.success);
    assert.deepEqual(bad.error.issues[0]?.path, ['creditsPerCall', 'search']);
    assert.equal(McpServerConfig.parse({ command: 'x' }).maxConcurrentCalls, 8);
  });

  it('let at most the limit of calls run at once, the others in arrival order', async () => {
    const slots = new CallSlots();
    const order: string[] = [];
    const first = await slots.take('s', 2);
    const second = await slots.take('s', 2);
    const third = slots.take('s', 2).then((free) => (order.push('third'), free));
    const fourth = slots.take('s', 2).then((free) => (order.push('fourth'), free));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, []);
    assert.equal(slots.running('s'), 2);
    first();
    first();
    (await third)();
    second();
    (await fourth)();
    assert.deepEqual(order, ['third', 'fourth']);
    assert.equal(slots.running('s'), 0);
  });

  it('drop a waiter whose call is cancelled', async () => {
    const slots = new CallSlots();
    const held = await slots.take('s', 1);
    const abort = new AbortController();
    const waiting = slots.take('s', 1, abort.signal);
    abort.abort(new Error('activity cancelled'));
    await assert.rejects(waiting, /activity cancelled/);
    held();
    assert.equal(slots.running('s'), 0);
  });
});
