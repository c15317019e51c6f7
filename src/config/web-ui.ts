import { checkUrl, loadConfigFile } from './load';

/** Where the Temporal Web UI is when nothing says otherwise: the dev server's (`npm run server`). */
export const DEFAULT_WEB_UI_URL = 'http://localhost:8233';

/**
 * The Temporal Web UI that links to runs point at: PLANWRIGHT_UI_URL, else `temporal.webUiUrl` of
 * planwright.config.json, else the dev server's. Docker compose serves the UI on http://localhost:8080.
 * Throws a ConfigError when either is not an http(s) URL or the config file is invalid.
 */
export function resolveWebUiUrl(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const url = env.PLANWRIGHT_UI_URL
    ? checkUrl('PLANWRIGHT_UI_URL', env.PLANWRIGHT_UI_URL, 'http://localhost:8080')
    : (loadConfigFile(env, cwd).temporal.webUiUrl ?? DEFAULT_WEB_UI_URL);
  // Links append "/namespaces/…"; a trailing slash would double it.
  return url.replace(/\/+$/, '');
}
