import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { dataConverter } from './data-converter';
import { ServerUnreachableError } from './errors';

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

/** Connects a client, failing within seconds with a one-line explanation when the server is not there. */
export async function connectClient(target: TemporalTarget): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: '5 seconds' } as never);
  } catch (err) {
    throw new ServerUnreachableError(unreachableMessage(target.address, shortReason(err)));
  }
  return new Client({ connection, namespace: target.namespace, dataConverter });
}

export function shortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 200);
}
