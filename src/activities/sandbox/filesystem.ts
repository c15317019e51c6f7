import { lstat, readlink } from 'node:fs/promises';

/** The user and group the command runs as inside the sandbox's user namespace. */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
/** The command's home: a private tmpfs, so nothing of the worker's home (credentials, caches) is ever visible. */
export const SANDBOX_HOME = '/home/sandbox';
/** Where the checkout appears inside. */
export const SANDBOX_WORKDIR = '/work';

/**
 * Host /etc entries bound read-only. /etc is not bound whole: on some hosts it holds secrets (/etc/shadow, private
 * keys under /etc/ssl/private, registry tokens in /etc/npmrc or /etc/pip.conf, credential helpers in /etc/gitconfig)
 * and proxies or site settings that do not belong in a reproducible run. Each entry here is public and needed.
 */
export const HOST_ETC_READONLY = [
  '/etc/alternatives', // Debian's tool symlinks: /usr/bin/awk, java, editor… point in here
  '/etc/ld.so.cache', // the dynamic loader's library index (libraries outside the default paths)
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/ssl/certs', // the public CA bundle, which some tools load at start even offline (never /etc/ssl/private)
  '/etc/localtime', // the timezone, so timestamps in test output match the host's
  '/etc/os-release', // platform detection in build tools
] as const;

/**
 * /etc files written for the sandbox instead of taken from the host: they name only the sandbox user (tools such as
 * `os.userInfo()` and `id` need an entry for it), resolve localhost (tests bind to it) and nothing else.
 */
export const SANDBOX_ETC_FILES: ReadonlyArray<{ path: string; content: string }> = [
  {
    path: '/etc/passwd',
    content:
      `sandbox:x:${SANDBOX_UID}:${SANDBOX_GID}:Planwright sandbox:${SANDBOX_HOME}:/bin/sh\n` +
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  },
  { path: '/etc/group', content: `sandbox:x:${SANDBOX_GID}:\nnogroup:x:65534:\n` },
  { path: '/etc/hosts', content: '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' },
  // Files only: the sandbox has no network, so a DNS lookup could only time out.
  { path: '/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files\n' },
];

/** A top-level directory of the host other than /usr: a symlink into /usr (merged /usr) or a directory of its own. */
export interface RootEntry {
  path: string;
  /** the symlink's target when the host has a symlink here; absent for a real directory */
  symlinkTo?: string;
}

const ROOT_CANDIDATES = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Reads how this host lays out /bin, /lib… so the sandbox repeats it (symlinks stay symlinks, directories are bound). */
export async function readRootLayout(): Promise<RootEntry[]> {
  const entries: RootEntry[] = [];
  for (const path of ROOT_CANDIDATES) {
    const stat = await lstat(path).catch(() => undefined);
    if (!stat) continue;
    if (stat.isSymbolicLink()) entries.push({ path, symlinkTo: await readlink(path) });
    else if (stat.isDirectory()) entries.push({ path });
  }
  return entries;
}
