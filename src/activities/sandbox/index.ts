/** Running one command in a task's checkout, sandboxed with bubblewrap: the worker side of "agents that act". */
export { DEFAULT_CHECKOUT_OWNER, type HostUser } from './checkout';
export { SandboxError, type SandboxFailure } from './errors';
export { probeSandbox } from './probe';
export { runCommand, type RunCommandContext } from './run-command';
