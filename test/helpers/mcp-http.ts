import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/** What a test's MCP server is to the helper: McpServer and the SDK's low-level Server both fit. */
interface ConnectableServer {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

export interface McpHttpServer {
  /** The endpoint, e.g. http://127.0.0.1:41234/mcp */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves MCP over Streamable HTTP on a free loopback port, statelessly: one server from `serverFor` per request, as
 * the SDK's stateless example does. With `authorization`, a request whose Authorization header differs gets a 401
 * whose body echoes what it sent (so tests can check that clients mask it); anything but POST gets a 405.
 */
export async function serveMcpOverHttp(
  serverFor: (req: IncomingMessage) => ConnectableServer,
  options: { authorization?: string } = {},
): Promise<McpHttpServer> {
  const http = createServer((req, res) => {
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end(`bad credentials: ${req.headers.authorization}`);
      return;
    }
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const server = serverFor(req);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void server.close());
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
