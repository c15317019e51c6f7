import { ensureHostTool, type HostToolSetup } from './host-tools';

/** The one-line way to get bubblewrap where Planwright cannot install it itself. */
export const BUBBLEWRAP_HINT =
  'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)';

/**
 * Finds `bwrap`, which sandboxes the commands agents run, installing Debian's package as root when it is missing. A
 * machine without it can still run everything but sandboxed commands, and says why.
 */
export function ensureBubblewrap(log?: (line: string) => void): HostToolSetup {
  return ensureHostTool(
    { binaries: ['bwrap'], debianPackage: 'bubblewrap', purpose: 'sandboxed agent commands', hint: BUBBLEWRAP_HINT },
    log,
  );
}
