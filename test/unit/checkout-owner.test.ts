/** Checkouts of a worker that was killed are removed when the next worker starts on the same folder. Real files. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { claimCheckout, removeOrphanedCheckouts } from '../../src/activities/workspace/checkout-owner';

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe("a killed worker's checkouts", () => {
  it('are removed, with run folders left empty; live, foreign and unclaimed ones stay', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pw-orphans-'));
    const make = (run: string, name: string, owner?: object) => {
      const dir = path.join(root, run, name);
      mkdirSync(path.join(dir, '.git'), { recursive: true });
      writeFileSync(path.join(dir, 'file.txt'), 'work\n');
      if (owner) writeFileSync(`${dir}.owner`, JSON.stringify(owner));
      return dir;
    };
    const dead = make('run-a', 't1-abc', { host: hostname(), pid: deadPid(), started: '1' });
    const deadToo = make('run-b', 't2-def', { host: hostname(), pid: deadPid(), started: '1' });
    const live = make('run-b', 't3-ghi');
    await claimCheckout(live);
    const foreign = make('run-b', 't4-jkl', { host: 'another-host', pid: deadPid(), started: '1' });
    const unclaimed = make('run-b', 't5-mno');

    const removed = await removeOrphanedCheckouts(root);
    assert.deepEqual(removed.sort(), [dead, deadToo].sort());
    for (const dir of [dead, deadToo]) {
      assert.equal(existsSync(dir), false);
      assert.equal(existsSync(`${dir}.owner`), false);
    }
    for (const dir of [live, foreign, unclaimed]) assert.ok(existsSync(dir), dir);
    assert.deepEqual(readdirSync(root), ['run-b'], 'the emptied run folder is gone');
  });

  it('never take a live process for a dead one whose pid it got', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pw-orphans-'));
    const dir = path.join(root, 'run', 't1');
    mkdirSync(dir, { recursive: true });
    // This very pid, but started at another time: the worker that made it is gone, its pid reused.
    writeFileSync(`${dir}.owner`, JSON.stringify({ host: hostname(), pid: process.pid, started: '1' }));
    assert.deepEqual(await removeOrphanedCheckouts(root), [dir]);
  });
});
