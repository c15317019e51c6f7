import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../infra/errors';
import { createTemporalBackend } from '../../ui/backend';
import { parseUiTokens, type UiAuth } from '../../ui/identity';
import { checkUiExposure } from '../../ui/security';
import { DEFAULT_UI_PORT, startUiServer } from '../../ui/server';
import { collect, clientFor, connectionOptions, out, uiBase, type ConnectionFlags } from '../options';

/** The variable holding `name=token` entries, one per person; never a flag, which would show in `ps`. */
export const UI_TOKENS_ENV = 'PLANWRIGHT_UI_TOKENS';

interface UiFlags extends ConnectionFlags {
  port: number;
  host: string;
  tokens?: string;
  trustProxyHeader?: string;
  trustProxyGroupsHeader?: string;
  allowedHost?: string[];
}

/** `planwright ui`: every run of the namespace in the browser, live, with approvals one click away. */
export function registerUiCommand(program: Command): void {
  connectionOptions(
    program
      .command('ui')
      .description('serve a web page of every run: live DAGs, task details, credits, approvals (see README)'),
  )
    .option('--port <n>', `port (0: any free one)`, parsePort, DEFAULT_UI_PORT)
    .option(
      '--host <address>',
      `address to listen on; off this machine, people need tokens or a proxy`,
      parseHost,
      '127.0.0.1',
    )
    .option('--tokens <file>', `name=token lines, one per person (or ${UI_TOKENS_ENV}="ana=…,bo=…")`)
    .option(
      '--trust-proxy-header <name>',
      "take the person's name from this header (e.g. X-Forwarded-User); only behind the proxy that sets it",
      parseHeaderName,
    )
    .option(
      '--trust-proxy-groups-header <name>',
      "take the person's groups from this comma-separated header (e.g. X-Forwarded-Groups), for group: approvers",
      parseHeaderName,
    )
    .option('--allowed-host <name>', "another name the server is reached by (a proxy's), repeatable", collect)
    .action(async (flags: UiFlags) => {
      // Before connecting: bad flags, and an exposed server without identities, are refused whatever Temporal's state.
      const auth = authFrom(flags);
      const { client, target } = await clientFor(flags);
      const backend = createTemporalBackend(client, { namespace: target.namespace, webUiUrl: uiBase() });
      const server = await startUiServer({
        backend,
        auth,
        host: flags.host,
        port: flags.port,
        ...(flags.allowedHost ? { allowedHosts: flags.allowedHost } : {}),
        log: (line) => console.error(`planwright ui: ${line}`),
      }).catch((err: NodeJS.ErrnoException) => {
        if (err instanceof UserError) throw err;
        throw new UserError(
          `cannot listen on ${flags.host}:${flags.port} (${err.code ?? err.message}); pick another --port`,
        );
      });
      out(`Planwright UI on ${server.url}: the runs of namespace "${target.namespace}" at ${target.address}`);
      out(`  ${identityLine(auth, server.url)}`);
      out('  Ctrl-C stops it.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.close();
      await client.connection.close();
    });
}

function identityLine(auth: UiAuth, url: string): string {
  switch (auth.kind) {
    case 'local':
      return `Decisions are taken as ${auth.user} (the user who started it); only this machine can reach it`;
    case 'tokens':
      return `${auth.tokens.size} people: each opens ${url}/?token=<their token> once, then ${url}`;
    case 'proxy':
      return (
        `The person is named by the ${auth.header} header` +
        (auth.groupsHeader ? `, their groups by ${auth.groupsHeader}` : '') +
        ': reach it only through the proxy that sets it'
      );
  }
}

/** One way of knowing who is at the page: tokens, a trusted proxy, or, on loopback, the OS user. */
function authFrom(flags: UiFlags): UiAuth {
  const envTokens = process.env[UI_TOKENS_ENV]?.trim();
  if (flags.tokens && envTokens) {
    throw new UserError(`both --tokens and ${UI_TOKENS_ENV} are set; keep one list of tokens`);
  }
  if ((flags.tokens || envTokens) && flags.trustProxyHeader) {
    throw new UserError(
      `tokens and --trust-proxy-header are two ways of naming people; use one (unset ${UI_TOKENS_ENV} or drop the flag)`,
    );
  }
  if (flags.tokens) return { kind: 'tokens', tokens: parseUiTokens(readTokensFile(flags.tokens), flags.tokens) };
  if (envTokens) return { kind: 'tokens', tokens: parseUiTokens(envTokens, UI_TOKENS_ENV) };
  if (flags.trustProxyGroupsHeader && !flags.trustProxyHeader) {
    throw new UserError(
      '--trust-proxy-groups-header needs --trust-proxy-header: the proxy that names groups names people',
    );
  }
  if (flags.trustProxyHeader) {
    return {
      kind: 'proxy',
      header: flags.trustProxyHeader,
      ...(flags.trustProxyGroupsHeader ? { groupsHeader: flags.trustProxyGroupsHeader } : {}),
    };
  }
  checkUiExposure({ host: flags.host, hasTokens: false });
  return { kind: 'local', user: userInfo().username };
}

function readTokensFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read --tokens ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 65535) {
    throw new UserError(`--port must be a whole number from 0 to 65535, got "${value}"`, EXIT.usage);
  }
  return n;
}

export function parseHost(value: string): string {
  const host = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) || /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host)) {
    return host;
  }
  throw new UserError(`--host must be an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0, got "${value}"`);
}

function parseHeaderName(value: string): string {
  if (/^[A-Za-z0-9-]{1,100}$/.test(value)) return value;
  throw new UserError(`a proxy header must be a header name such as X-Forwarded-User, got "${value}"`);
}
