import { lstat, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isLocalRepoLocation, type Checkout } from '../../domain/workspace';
import { CheckoutMissingError, CheckoutTamperedError } from './errors';
import { LOCAL_UPLOAD_PACK } from './remote';

/**
 * The config of every repository Planwright makes (caches, checkouts, run repositories) is written whole from a
 * template here, and written again before each operation when it differs. An agent works in its checkout and can
 * `git config` anything there: a filter, merge or diff driver, a credential helper, `url.*.insteadOf` redirecting our
 * pushes, `include.path`, `core.sshCommand`. None of it survives to the next git command Planwright runs, so nothing
 * in a checkout's config ever runs as the worker. (`-c` overrides alone cannot do this: the set of keys that name
 * programs is open-ended, and includes pull in more.)
 */

/** A config value, quoted as git-config(1) reads it. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function section(name: string, entries: [string, string | undefined][]): string {
  const lines = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `\t${k} = ${quote(v!)}`);
  return lines.length ? `[${name}]\n${lines.join('\n')}\n` : '';
}

/** What a repository's remote "origin" is: the run's repository, maybe a promisor for partial clones. */
export interface OriginConfig {
  url: string;
  partial: boolean;
}

function originSections(origin: OriginConfig, fetchRefspec?: string): string {
  return (
    (origin.partial ? section('extensions', [['partialClone', 'origin']]) : '') +
    section('remote "origin"', [
      ['url', origin.url],
      ['fetch', fetchRefspec],
      ['promisor', origin.partial ? 'true' : undefined],
      ['partialclonefilter', origin.partial ? 'blob:none' : undefined],
      ['uploadpack', isLocalRepoLocation(origin.url) ? LOCAL_UPLOAD_PACK : undefined],
    ])
  );
}

/** Config of a worker's bare cache of `origin`. */
export function cacheConfig(origin: OriginConfig): string {
  return (
    section('core', [
      // Partial clones need format version 1 (its extensions.partialClone).
      ['repositoryformatversion', origin.partial ? '1' : '0'],
      ['filemode', 'true'],
      ['bare', 'true'],
    ]) +
    originSections(origin) +
    // Checkouts borrow the cache's objects through alternates: gc must never prune one from under them.
    section('gc', [['pruneExpire', 'never']])
  );
}

/** Config of a checkout made as a clone: origin is the run's repository, so an agent's own `git fetch` works. */
export function checkoutConfig(origin: OriginConfig): string {
  return (
    section('core', [
      ['repositoryformatversion', origin.partial ? '1' : '0'],
      ['filemode', 'true'],
      ['bare', 'false'],
      ['logallrefupdates', 'true'],
    ]) + originSections(origin, '+refs/heads/*:refs/remotes/origin/*')
  );
}

/** Config of a run repository Planwright created: a plain bare repository. */
export function runRepositoryConfig(): string {
  return section('core', [
    ['repositoryformatversion', '0'],
    ['filemode', 'true'],
    ['bare', 'true'],
  ]);
}

/** Writes `content` as `gitDir`'s config unless it already is; atomically, so a concurrent git reads old or new. */
export async function sealConfig(gitDir: string, content: string): Promise<void> {
  await writeIfDifferent(path.join(gitDir, 'config'), content);
}

/** Where a clone checkout lists the object stores it borrows from. */
export function alternatesFile(gitDir: string): string {
  return path.join(gitDir, 'objects', 'info', 'alternates');
}

/** A checkout borrows exactly its cache's objects. */
export function alternatesContent(cache: string): string {
  return `${path.join(cache, 'objects')}\n`;
}

async function writeIfDifferent(file: string, content: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) return;
  const temp = `${file}.planwright-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(temp, content);
  await rename(temp, file);
}

async function kind(file: string): Promise<'dir' | 'file' | 'link' | 'other' | undefined> {
  const info = await lstat(file).catch(() => undefined);
  if (!info) return undefined;
  if (info.isSymbolicLink()) return 'link';
  return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
}

/**
 * Checks that a checkout is on this worker and that its git directory is still the one Planwright made, and reseals
 * its config (the cache's, for a worktree). Refuses a git directory that was swapped for a link or made to point at
 * another repository's config (a `commondir` file), since our git would follow it.
 */
export async function guardCheckout(checkout: Checkout): Promise<void> {
  if ((await kind(checkout.dir)) !== 'dir') {
    throw new CheckoutMissingError(
      `checkout ${checkout.dir} is not on this worker: run every step of a task on the worker that prepared its ` +
        'checkout, or prepare it again',
    );
  }
  const origin = { url: checkout.remote, partial: checkout.partial };
  const tampered = (why: string) =>
    new CheckoutTamperedError(`checkout ${checkout.dir}: ${why}; Planwright will not run git in it: prepare it again`);
  if ((await kind(checkout.gitDir)) !== 'dir') throw tampered(`its git directory ${checkout.gitDir} was replaced`);
  const commondir = await readFile(path.join(checkout.gitDir, 'commondir'), 'utf8').catch(() => undefined);
  if (checkout.mode === 'clone') {
    if (commondir !== undefined) throw tampered('its git directory was pointed at another repository (commondir)');
    await sealConfig(checkout.gitDir, checkoutConfig(origin));
    await writeIfDifferent(alternatesFile(checkout.gitDir), alternatesContent(checkout.cache));
  } else {
    if (path.resolve(checkout.gitDir, (commondir ?? '').trim()) !== path.resolve(checkout.cache)) {
      throw tampered('its worktree was pointed at another repository (commondir)');
    }
    await sealConfig(checkout.cache, cacheConfig(origin));
  }
}
