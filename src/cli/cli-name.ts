import { findOnPath } from '../infra/host-tools';

let name: string | undefined;

/**
 * How the person at this terminal runs the CLI again: `planwright` when it is on their PATH (installed, or linked),
 * else `npx planwright`, which works in a clone after `npm ci`. Every command the CLI prints for them to copy uses it.
 */
export function cliName(): string {
  name ??= findOnPath('planwright') ? 'planwright' : 'npx planwright';
  return name;
}
