import { mkdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { GitFailedError } from './errors';

/**
 * Mutual exclusion on a path, within this process and across processes sharing the disk (two workers on one host
 * sharing a cache folder). Guards what git does not guard itself: creating a cache, and fetches into one (concurrent
 * fetches race on ref locks and fail).
 *
 * Across processes it is a `<path>.lock` directory (mkdir is atomic). Its holder touches it every STALE_MS / 4, so a
 * lock untouched for STALE_MS belongs to a process that died, and is taken over.
 */
const STALE_MS = 2 * 60_000;
const WAIT_MS = 30 * 60_000;

const tails = new Map<string, Promise<void>>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function acquire(lockDir: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  await mkdir(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await stat(lockDir).catch(() => undefined);
    if (held && Date.now() - held.mtimeMs > STALE_MS) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new GitFailedError(`${lockDir} has been held for over ${WAIT_MS / 60_000} minutes: is a fetch stuck?`);
    }
    await sleep(25 + Math.random() * 100);
  }
}

/** Runs `fn` while holding the lock of `target` (a repository path). */
export async function withLock<T>(target: string, fn: () => Promise<T>): Promise<T> {
  const before = tails.get(target) ?? Promise.resolve();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const mine = before.then(() => gate);
  tails.set(target, mine);
  await before;
  const lockDir = `${target}.lock`;
  try {
    await acquire(lockDir);
    const beat = setInterval(() => {
      const now = new Date();
      utimes(lockDir, now, now).catch(() => undefined);
    }, STALE_MS / 4);
    beat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(beat);
      await rm(lockDir, { recursive: true, force: true });
    }
  } finally {
    release();
    if (tails.get(target) === mine) tails.delete(target);
  }
}
