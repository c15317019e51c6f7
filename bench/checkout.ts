/**
 * Preparing a task's checkout from a worker's warm cache, on a generated repository of 10,000 files.
 * Target: median <= 1 s. Not a timed test; run it by hand:
 *   npx tsx bench/checkout.ts                 # both modes, 20 checkouts each
 *   npx tsx -e "require('./bench/checkout').benchCheckout({ runs: 50, partial: true }).then(console.log)"
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanupRun, prepareCheckout, workspaceSettings } from '../src/activities/workspace';
import type { CheckoutMode } from '../src/domain/workspace';

export interface CheckoutBenchOptions {
  /** Files in the generated repository; default 10,000 (100 folders of 100). */
  files?: number;
  /** Checkouts measured per mode, after one that warms the cache; default 20. */
  runs?: number;
  /** Modes measured; default both. */
  modes?: CheckoutMode[];
  /** Use partial (blobless) caches; default false. */
  partial?: boolean;
}

export interface Spread {
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

export interface CheckoutTimings extends Spread {
  /** The first checkout: creates the cache (a clone of the repository) and checks out. */
  coldMs: number;
  /** Plain `git checkout` of the same commit into a repository borrowing the objects, timed beside each run. */
  baseline: Spread;
  /** Median of (prepareCheckout - its paired baseline): what Planwright adds. */
  overheadMedianMs: number;
}

export interface CheckoutBenchResult {
  files: number;
  runs: number;
  partial: boolean;
  modes: Partial<Record<CheckoutMode, CheckoutTimings>>;
}

/** A bare repository of `files` small files in one commit, written with fast-import (no working tree needed). */
export function generateRepository(dir: string, files: number): string {
  const repo = path.join(dir, 'big.git');
  execFileSync('git', ['init', '-q', '--bare', repo]);
  const perFolder = 100;
  let stream = 'commit refs/heads/main\ncommitter Bench <bench@localhost> 1700000000 +0000\ndata 5\nbench\n';
  for (let i = 0; i < files; i++) {
    const body = `file ${i}\n${'lorem ipsum dolor sit amet '.repeat(6)}\n`;
    stream += `M 100644 inline src/d${Math.floor(i / perFolder)}/f${i % perFolder}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`;
  }
  execFileSync('git', ['--git-dir', repo, 'fast-import', '--quiet'], { input: stream, maxBuffer: 1 << 28 });
  return repo;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

/** Plain git, no Planwright: a repository borrowing `objects` and `git checkout` of `commit`; what a checkout costs. */
export function rawCheckout(dir: string, objects: string, commit: string): number {
  const started = performance.now();
  execFileSync('git', ['init', '-q', dir]);
  writeFileSync(path.join(dir, '.git', 'objects', 'info', 'alternates'), `${objects}\n`);
  execFileSync('git', ['-C', dir, 'checkout', '-q', '--detach', commit]);
  return performance.now() - started;
}

export function timings(times: number[]): Spread {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    medianMs: Math.round(percentile(sorted, 0.5)),
    p90Ms: Math.round(percentile(sorted, 0.9)),
    minMs: Math.round(sorted[0]!),
    maxMs: Math.round(sorted[sorted.length - 1]!),
  };
}

/**
 * Measures preparing checkouts from a warm cache, per mode. Each one is paired with a plain `git checkout` of the
 * same commit (`baseline`): on a machine whose disk speed varies, the pair shows what Planwright adds to what
 * writing 10,000 files costs at that moment. Checkouts are removed after each mode.
 */
export async function benchCheckout(options: CheckoutBenchOptions = {}): Promise<CheckoutBenchResult> {
  const files = options.files ?? 10_000;
  const runs = options.runs ?? 20;
  const partial = options.partial ?? false;
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-bench-checkout-'));
  try {
    const remote = generateRepository(dir, files);
    const commit = execFileSync('git', ['--git-dir', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
    const result: CheckoutBenchResult = { files, runs, partial, modes: {} };
    for (const mode of options.modes ?? (['clone', 'worktree'] as const)) {
      const settings = workspaceSettings({ root: path.join(dir, mode), mode, partial });
      const once = async (i: number) => {
        const started = performance.now();
        await prepareCheckout(settings, { remote, commit, runId: 'bench', taskId: `t${i}` });
        return performance.now() - started;
      };
      const coldMs = await once(0);
      const times: number[] = [];
      const baseline: number[] = [];
      for (let i = 1; i <= runs; i++) {
        baseline.push(rawCheckout(path.join(dir, `${mode}-raw-${i}`), path.join(remote, 'objects'), commit));
        times.push(await once(i));
      }
      result.modes[mode] = {
        coldMs: Math.round(coldMs),
        ...timings(times),
        baseline: timings(baseline),
        overheadMedianMs: Math.round(
          percentile(
            [...times.map((t, i) => t - baseline[i]!)].sort((a, b) => a - b),
            0.5,
          ),
        ),
      };
      // Removed after timing, not between checkouts: deleting 10,000 files is disk work the next one would wait on.
      await cleanupRun(settings, 'bench');
      for (let i = 1; i <= runs; i++) rmSync(path.join(dir, `${mode}-raw-${i}`), { recursive: true, force: true });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchCheckout().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
