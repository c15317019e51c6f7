import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A `planwright worker` in a process of its own, against `simulatorUrl`: tests kill it with SIGKILL. */
export function spawnWorker(temporalAddress: string, taskQueue: string, simulatorUrl: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), 'worker', '--task-queue', taskQueue],
    { env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress, OPENAI_BASE_URL: simulatorUrl }, stdio: 'ignore' },
  );
}
