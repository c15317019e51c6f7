#!/usr/bin/env node
/**
 * The `planwright` command: start and follow runs, dry-run plans, approve budgets, run workers, the dev server and the
 * simulator. The commands live in ./commands; this entry only runs them and sets the exit code. What the commands do
 * against Temporal is the client library's (src/client.ts); this folder parses arguments and prints.
 */
import { main } from './program';

/** Runs the CLI on process.argv and exits with its code. Open gRPC channels would otherwise keep the process alive. */
export function runCli(): void {
  main(process.argv)
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      console.error(`planwright: ${String(err)}`);
      process.exit(1);
    });
}

if (require.main === module) runCli();
