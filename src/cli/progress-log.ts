import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ProgressEvent } from '../domain/progress-events';
import { UserError } from '../infra/errors';

/** A run's progress as JSON Lines, one event per line, written as each event is seen so a tail -f can follow it. */
export interface ProgressLog {
  write(event: ProgressEvent): void;
  close(): void;
}

/**
 * Opens (and empties) `file` for a run's progress events. Emptied, not appended to: a follower reports a run from its
 * beginning, so following the same run again rewrites the same complete log instead of doubling it.
 */
export function openProgressLog(file: string): ProgressLog {
  let fd: number;
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fd = openSync(file, 'w');
  } catch (err) {
    throw new UserError(
      // The system's message names the path that is in the way (a file where a folder must be, no permission).
      `cannot write the progress log ${file} (${(err as Error).message}); ` +
        'pass --events a path in a writable folder',
    );
  }
  return {
    write: (event) => void writeSync(fd, `${JSON.stringify(event)}\n`),
    close: () => closeSync(fd),
  };
}
