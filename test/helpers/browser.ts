import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (found or installed by ensureChromium), headless. As root Chromium does not start with its own
 * sandbox, and containers have a small /dev/shm.
 */
export function launchChromium(executablePath: string, timeoutMs?: number): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
  });
}
