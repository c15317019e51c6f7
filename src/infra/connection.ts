import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { dataConverter, resolveDataConverter } from './data-converter';
import { ServerRefusedError, ServerUnreachableError, type UserError } from './errors';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** The connection options envconfig produced (TLS, API key, headers), with the address applied. */
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

/**
 * Where to connect, by Temporal's env-config conventions: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TLS variables and TOML profiles (TEMPORAL_PROFILE). Defaults to localhost:7233 and the "default" namespace.
 */
export function resolveTemporalTarget(overrides: { address?: string; namespace?: string } = {}): TemporalTarget {
  const config = loadClientConnectConfig();
  const address = overrides.address ?? config.connectionOptions.address ?? 'localhost:7233';
  return {
    address,
    namespace: overrides.namespace ?? config.namespace ?? 'default',
    connectionOptions: { ...config.connectionOptions, address },
  };
}

export function unreachableMessage(address: string, reason: string): string {
  return (
    `cannot reach the Temporal server at ${address} (${reason}); start one with \`npm run server\` ` +
    '(or `planwright server`), or point TEMPORAL_ADDRESS at a running server'
  );
}

/** gRPC status codes of a server that answered and said no, by name. */
const REFUSAL_CODES: Readonly<Record<number, string>> = { 7: 'PERMISSION_DENIED', 16: 'UNAUTHENTICATED' };

/** A server's refusal: the gRPC status name and the server's own reason. */
export interface Refusal {
  status: string;
  reason: string;
}

/**
 * The refusal in `err`, a gRPC error or one that wraps it as its `cause` (the client's "Failed to connect"), or
 * undefined when the server did not refuse (it was not reached, timed out, or failed otherwise).
 */
export function refusalOf(err: unknown): Refusal | undefined {
  let current = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { code, details, cause } = current as { code?: unknown; details?: unknown; cause?: unknown };
    const status = typeof code === 'number' ? REFUSAL_CODES[code] : undefined;
    if (status) return { status, reason: typeof details === 'string' && details ? details : shortReason(current) };
    current = cause;
  }
  return undefined;
}

export function refusedMessage(target: Pick<TemporalTarget, 'address' | 'namespace'>, refusal: Refusal): string {
  return (
    `the Temporal server at ${target.address} refused the request (${refusal.status}: ${refusal.reason}); ` +
    `check TEMPORAL_API_KEY (or the TLS client certificate) and its permissions in namespace "${target.namespace}"`
  );
}

/** The one-line error for a failed connection or call: the server refused it (exit 2), or was not reached (exit 3). */
export function connectionFailure(target: TemporalTarget, err: unknown): UserError {
  const refusal = refusalOf(err);
  return refusal
    ? new ServerRefusedError(refusedMessage(target, refusal))
    : new ServerUnreachableError(unreachableMessage(target.address, shortReason(err)));
}

/** Connects a client, failing within seconds with a one-line explanation when the server is not there. */
export async function connectClient(target: TemporalTarget): Promise<Client> {
  // A bad encryption key setting is the user's to fix, and is reported before an unreachable server.
  resolveDataConverter();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: '5 seconds' } as never);
  } catch (err) {
    throw connectionFailure(target, err);
  }
  return new Client({ connection, namespace: target.namespace, dataConverter });
}

export function shortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 200);
}
