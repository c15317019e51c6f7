/**
 * What the host-side guards of agent steps cost on a generated checkout of 10,000 files (issue #19): the walk that
 * removes embedded repositories and measures the tree before every commit, screening a step's changes, and the fresh
 * checkout of the committed work that each check runs in. Not a timed test:
 *   npm run bench -- guards
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { screenStepChanges } from '../src/activities/agent-loop/step-changes';
import {
  checkoutCommittedTree,
  prepareCheckout,
  removeCheckout,
  scanWorkTree,
  workspaceSettings,
} from '../src/activities/workspace';
import { WorkspacePolicy } from '../src/domain/workspace-policy-schema';
import { generateRepository, rawCheckout, timings, type Spread } from './checkout';

export interface StepGuardTimings {
  files: number;
  runs: number;
  scan: Spread;
  screen: Spread;
  committedTree: Spread;
  /** A plain `git checkout` of the same commit into a repository borrowing the objects, timed beside each tree. */
  plainCheckout: Spread;
}

export async function benchStepGuards(options: { files?: number; runs?: number } = {}): Promise<StepGuardTimings> {
  const files = options.files ?? 10_000;
  const runs = options.runs ?? 20;
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-bench-guards-'));
  try {
    const remote = generateRepository(dir, files);
    const commit = execFileSync('git', ['--git-dir', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
    const settings = workspaceSettings({ root: path.join(dir, 'root') });
    const { checkout } = await prepareCheckout(settings, { remote, commit, runId: 'bench', taskId: 't' });
    const held = {
      runId: 'bench',
      taskId: 't',
      taskWorkflowId: 'bench/t',
      checkout,
      policy: WorkspacePolicy.parse({}),
      startCommit: checkout.commit,
    };
    const measure = async (fn: (i: number) => Promise<unknown>) => {
      const times: number[] = [];
      await fn(0);
      for (let i = 1; i <= runs; i++) {
        const started = performance.now();
        await fn(i);
        times.push(performance.now() - started);
      }
      return timings(times);
    };
    const scan = await measure(() => scanWorkTree(checkout.dir));
    // A step that wrote one file: what every step pays before its commit.
    const screen = await measure(async (i) => {
      writeFileSync(path.join(checkout.dir, `step-${i}.txt`), `step ${i}\n`);
      return screenStepChanges(settings, held);
    });
    // Each tree paired with a plain checkout, since this disk's speed varies several times over between minutes.
    const trees: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const started = performance.now();
      const tree = await checkoutCommittedTree(settings, checkout, checkout.commit, 'bench-check');
      const took = performance.now() - started;
      await removeCheckout(settings, tree);
      const raw = path.join(dir, `raw-${i}`);
      const rawTook = rawCheckout(raw, path.join(remote, 'objects'), commit);
      rmSync(raw, { recursive: true, force: true });
      // The first pair warms the caches.
      if (i > 0) {
        trees.push(took);
        plain.push(rawTook);
      }
    }
    const committedTree = timings(trees);
    return { files, runs, scan, screen, committedTree, plainCheckout: timings(plain) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
