import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../infra/paths';
import { HttpError } from './http';

/**
 * The page's files, served as they are: plain ES modules and a stylesheet from src/ui/public (shipped in the package
 * as is, see package.json "files"; there is no build step), and the layout library from node_modules.
 */

/** Where the page's own files are, from src/ or dist/ alike. */
export const PUBLIC_DIR = path.join(projectRoot(), 'src', 'ui', 'public');

/** Files the page loads from packages, by the name the page asks for. */
const VENDOR: Readonly<Record<string, string>> = {
  'elk.bundled.js': 'elkjs/lib/elk.bundled.js',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  mtimeMs: number;
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

const cache = new Map<string, Asset>();

/** A file read once and kept until it changes on disk (an edit shows on reload, without a restart). */
function load(file: string): Asset {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    throw new HttpError(404, `no such file: ${path.basename(file)}`);
  }
  let asset = cache.get(file);
  if (asset?.mtimeMs !== mtimeMs) {
    const body = readFileSync(file);
    asset = {
      mtimeMs,
      type: TYPES[path.extname(file)] ?? 'application/octet-stream',
      body,
      gzipped: gzipSync(body),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    };
    cache.set(file, asset);
  }
  return asset;
}

/** The app's shell, for every page path (/, /runs/…): the page reads its route from the address itself. */
export const isPagePath = (pathname: string) =>
  pathname === '/' || /^\/runs\/[^/]+(\/tasks\/[^/]+)?\/?$/.test(pathname);

/** Resolves /app/<file> and /vendor/<file> to a file on disk; anything else is not ours. */
export function assetFile(pathname: string): string | undefined {
  if (isPagePath(pathname)) return path.join(PUBLIC_DIR, 'index.html');
  const app = /^\/app\/([a-z0-9-]+\.(?:js|css|svg))$/.exec(pathname)?.[1];
  if (app) return path.join(PUBLIC_DIR, app);
  const vendor = /^\/vendor\/([a-z0-9.-]+)$/.exec(pathname)?.[1];
  if (vendor && VENDOR[vendor]) return require.resolve(VENDOR[vendor]);
  return undefined;
}

export function serveAsset(req: IncomingMessage, res: ServerResponse, file: string, headers: Record<string, string>) {
  const asset = load(file);
  // Our files change with a checkout: always ask, answer 304 when unchanged.
  const common = { ...headers, 'Content-Type': asset.type, ETag: asset.etag, 'Cache-Control': 'no-cache' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, common);
    return res.end();
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? asset.gzipped : asset.body;
  res.writeHead(200, {
    ...common,
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    Vary: 'Accept-Encoding',
    'Content-Length': String(body.length),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
