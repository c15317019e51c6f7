import { ensureHostTool, type HostToolSetup } from './host-tools';

/** The one-line way to get Chromium where Planwright cannot install it itself. */
export const CHROMIUM_HINT =
  'install Chromium (Debian: apt-get install chromium; Ubuntu: snap install chromium; Fedora: dnf install chromium)';

/**
 * Finds a Chromium binary (Debian's `chromium`, older Ubuntu's `chromium-browser`), which the browser tests drive
 * through `playwright-core` (it downloads no browser of its own), installing Debian's package as root when it is
 * missing. A machine without it runs everything but the browser tests, and says why. As root, Chromium must be
 * launched with `--no-sandbox`.
 */
export function ensureChromium(log?: (line: string) => void): HostToolSetup {
  return ensureHostTool(
    {
      binaries: ['chromium', 'chromium-browser'],
      debianPackage: 'chromium',
      purpose: 'the Web UI browser tests',
      hint: CHROMIUM_HINT,
    },
    log,
  );
}
