/**
 * `planwright run --wait` rides through the Temporal server restarting mid-run: a CI job fails for its run, never for
 * a blip of the server. A real dev server with a database file, stopped and started again on the same port; the CLI
 * and a worker in their own processes, as a user runs them.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startDevServer, type DevServer } from '../../src/infra/dev-server';
import { findTemporalBinary } from '../../src/infra/temporal-binary';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { openTmpDir } from '../helpers/git-fixtures';
import { waitFor } from '../helpers/history';
import { freePort } from '../helpers/ports';

const root = path.join(__dirname, '..', '..');
const dir = openTmpDir('pw-server-restart-');

function cli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const children: ChildProcess[] = [];
let server: DevServer | undefined;
let sim: Simulator | undefined;
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.stop();
  await sim?.close();
});

describe('following a run through a server restart', { timeout: 240_000 }, () => {
  it('run --wait says it lost the server, reconnects, and exits 0 when the run succeeds', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const serverOptions = { binary: findTemporalBinary(), port, uiPort, dbFile: path.join(dir, 'temporal.db') };
    server = await startDevServer(serverOptions);
    // Slow enough calls that the run is still going when the server goes away.
    sim = await startSimulator({ scenario: { latency: { implementer: { medianMs: 1500, sigma: 0 } } } });
    const env = { TEMPORAL_ADDRESS: server.address, OPENAI_BASE_URL: sim.url, PLANWRIGHT_WORKSPACE_DIR: dir };
    const taskQueue = 'restart-test';
    const planFile = path.join(dir, 'plan.json');
    const tasks = ['a', 'b', 'c', 'd'].map((id, i) => ({
      id,
      title: `Task ${id}`,
      acceptanceCriteria: ['done'],
      deps: i > 0 ? [['a', 'b', 'c'][i - 1]!] : [],
    }));
    writeFileSync(planFile, JSON.stringify({ goal: 'Four steps in a row', tasks }));

    let workerLog = '';
    const startWorker = () => {
      const worker = cli(['worker', '--task-queue', taskQueue], env);
      worker.stderr!.on('data', (d: Buffer) => (workerLog += d.toString()));
      children.push(worker);
      return worker;
    };
    let worker = startWorker();
    await waitFor('the worker to start', async () => /planwright worker: task queue/.test(workerLog), 60_000);
    const run = cli(['run', '--plan', planFile, '--wait', '--task-queue', taskQueue, '--budget', '500'], env);
    children.push(run);
    let stderr = '';
    let stdout = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    run.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = once(run, 'exit');

    await waitFor('the first task to be under way', async () => sim!.requests().some((r) => r.task === 'a'), 60_000);
    await server.stop();
    // Longer than the SDK's own retries of an unavailable server (about 20 s), which hide a short restart.
    await new Promise((r) => setTimeout(r, 30_000));
    server = await startDevServer(serverOptions);
    // A worker that gave up on the lost server is started again, as its supervisor would.
    if (worker.exitCode !== null) worker = startWorker();

    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, `stderr:\n${stderr}\nstdout:\n${stdout}\nworker:\n${workerLog.slice(-3000)}`);
    assert.match(stderr, /lost the Temporal server .*trying again in \d+ s/);
    assert.match(stdout, /succeeded/i);
    worker.kill('SIGTERM');
  });
});
