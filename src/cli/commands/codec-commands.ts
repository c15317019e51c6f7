import type { Command } from 'commander';
import { ConfigError } from '../../config';
import { ENCRYPTION_ENV } from '../../config/encryption';
import { DEFAULT_CODEC_SERVER_PORT, startCodecServer } from '../../infra/codec-server';
import { createPayloadCodecs, resolveProcessEncryption } from '../../infra/data-converter';
import { UserError } from '../../infra/errors';
import { parsePositiveInt } from '../inputs';
import { out, uiBase } from '../options';

/** The variable holding the codec server's bearer token; never a flag, which would show in `ps` and shell history. */
export const CODEC_TOKEN_ENV = 'PLANWRIGHT_CODEC_TOKEN';
const MIN_TOKEN_CHARS = 16;

interface CodecServerFlags {
  port: number;
  host: string;
  origin?: string[];
}

/** `planwright codec-server`: decrypts payloads for the Temporal Web UI and `temporal` CLI, with this fleet's keys. */
export function registerCodecCommands(program: Command): void {
  program
    .command('codec-server')
    .description('serve /encode and /decode for the Web UI and `temporal --codec-endpoint` (keys as for the worker)')
    .option('--port <n>', 'port', parsePositiveInt('--port'), DEFAULT_CODEC_SERVER_PORT)
    .option('--host <address>', 'address to listen on (beyond this machine, set PLANWRIGHT_CODEC_TOKEN)', '127.0.0.1')
    .option(
      '--origin <url>',
      'Web UI origin allowed to call it, repeatable (default: the Web UI of PLANWRIGHT_UI_URL / temporal.webUiUrl)',
      (value: string, all: string[] = []) => [...all, originOf(value)],
    )
    .action(async (flags: CodecServerFlags) => {
      const settings = resolveProcessEncryption();
      if (settings.keys.length === 0) {
        throw new ConfigError(
          `the codec server needs the fleet's keys: set ${ENCRYPTION_ENV.keys} or ${ENCRYPTION_ENV.keyFile} as for the workers`,
        );
      }
      const token = process.env[CODEC_TOKEN_ENV]?.trim() || undefined;
      if (token && token.length < MIN_TOKEN_CHARS) {
        throw new ConfigError(
          `${CODEC_TOKEN_ENV} is shorter than ${MIN_TOKEN_CHARS} characters; use \`openssl rand -base64 24\``,
        );
      }
      const origins = flags.origin ?? [originOf(uiBase())];
      const server = await startCodecServer({
        codecs: createPayloadCodecs(settings),
        port: flags.port,
        host: flags.host,
        origins,
        ...(token ? { token } : {}),
        log: (line) => console.error(`planwright codec-server: ${line}`),
      }).catch((err: NodeJS.ErrnoException) => {
        throw new UserError(`cannot listen on ${flags.host}:${flags.port} (${err.code ?? err.message})`);
      });
      const auth = token ? ` --codec-auth "Bearer $${CODEC_TOKEN_ENV}"` : '';
      out(
        `Planwright codec server on ${server.url} (keys ${settings.keys.map((k) => k.id).join(', ')}; current first)`,
      );
      out(`  Web UI origins allowed: ${origins.join(', ')}; bearer token: ${token ? 'required' : 'none'}`);
      out(
        token
          ? '  Web UI: cannot send this token (it forwards only its own login token); README, "Encrypted payloads"'
          : `  Web UI: Data Encoder setting → ${server.url}, or temporal server start-dev --ui-codec-endpoint ${server.url}`,
      );
      out(`  CLI:    temporal workflow show --workflow-id <id> --codec-endpoint ${server.url}${auth}`);
      if (!settings.encrypt) out(`  ${ENCRYPTION_ENV.setting} is off: /encode returns payloads unencrypted`);
      if (!token && !isLoopback(flags.host)) {
        console.error(
          `planwright codec-server: warning: listening on ${flags.host} without ${CODEC_TOKEN_ENV}: any program that ` +
            'reaches this port can decrypt your histories (the Origin check only stops web pages)',
        );
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.close();
    });
}

function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  } catch {
    // reported below
  }
  throw new UserError(`--origin ${url} is not an http(s) URL; use the Web UI's address, e.g. http://localhost:8233`);
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');
