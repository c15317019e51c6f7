/** Why the worker could not run a command at all (as opposed to the command failing, which is a result). */
export type SandboxFailure =
  /** `bwrap` is not on the worker's PATH. */
  | 'bwrap-missing'
  /** `prlimit` (util-linux) or `/bin/sh` is missing, so limits cannot be set. */
  | 'tools-missing'
  /** The kernel or the container's security profile refuses the user namespace bwrap needs. */
  | 'userns-unavailable'
  /** The checkout is not a directory the sandbox can use (missing, no .git, owned by root). */
  | 'bad-checkout'
  /** bwrap started but failed while building the sandbox, for a reason its message gives. */
  | 'setup-failed';

/**
 * The host or our own setup could not run a command: never the command's fault, so never a result. The message is
 * one line that says what is wrong and how to fix it; `failure` lets callers map it to a failure type.
 */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    readonly failure: SandboxFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The one-line fix shown when bwrap is absent. */
export const INSTALL_BWRAP = 'bwrap not installed (apt-get install bubblewrap)';

/**
 * Maps what bwrap or prlimit printed before the command could start to a typed error. Returns undefined when the text
 * is not theirs (the command itself wrote it), so the caller reports it as output instead.
 */
export function setupFailureOf(stderr: string): SandboxError | undefined {
  const line = stderr.split('\n').find((l) => /^(bwrap|prlimit): /.test(l));
  if (!line) return undefined;
  if (line.startsWith('prlimit: ')) {
    return new SandboxError('setup-failed', `could not set resource limits inside the sandbox: ${line}`);
  }
  if (/execvp (\/usr\/bin\/prlimit|\/bin\/sh)/.test(line)) {
    return new SandboxError('tools-missing', `${line}: install util-linux and a /bin/sh on the worker`);
  }
  if (/namespace|uid map|gid map|setgroups|RTM_NEWADDR|loopback/i.test(line)) {
    return new SandboxError(
      'userns-unavailable',
      'user namespaces are disabled (sysctl user.max_user_namespaces / kernel.unprivileged_userns_clone, or a ' +
        `container seccomp/AppArmor profile blocks them; see the worker docs): ${line}`,
    );
  }
  if (/Can't find source path|Permission denied/.test(line)) {
    return new SandboxError(
      'bad-checkout',
      `the sandbox user cannot reach the checkout (every parent directory must be searchable by it): ${line}`,
    );
  }
  return new SandboxError('setup-failed', `bwrap failed to build the sandbox: ${line}`);
}
