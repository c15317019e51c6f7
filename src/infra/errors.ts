/**
 * Errors the CLI reports as one line with a fix, by whose fault they are. Each carries the process exit code.
 */
export const EXIT = {
  ok: 0,
  /** A run ended without succeeding (failed, partial or cancelled). */
  runNotSucceeded: 1,
  /** Bad input: arguments, files, configuration, credentials the server refuses. */
  usage: 2,
  /** The Temporal server could not be reached. */
  unreachable: 3,
  /** `plan --max-credits`: the projected credits exceed the gate. */
  budgetGate: 4,
} as const;

/** The user's input or environment is wrong; the message says what and how to fix it. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

export class ServerUnreachableError extends UserError {
  override name = 'ServerUnreachableError';
  constructor(message: string) {
    super(message, EXIT.unreachable);
  }
}

/** The server answered but refused the caller: wrong credentials, or no permission in the namespace. */
export class ServerRefusedError extends UserError {
  override name = 'ServerRefusedError';
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}
