import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The tests' own git, with hooks off and a fixed identity, so only the code under test could run hooks. */
export function fixtureGit(cwd: string, ...args: string[]): string {
  const safe = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'safe.directory=*'];
  return execFileSync('git', [...safe, '-c', 'protocol.file.allow=always', ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@example.com',
      GIT_COMMITTER_NAME: 'Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@example.com',
    },
  }).trim();
}

/** A folder the sandbox's unprivileged user can enter (mkdtemp makes folders only their owner may). */
export function openTmpDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** A user's repository with one commit of `files` on main; returns its path. */
export function userRepository(files: Record<string, string>, prefix = 'pw-user-repo-'): string {
  const dir = openTmpDir(prefix);
  fixtureGit(dir, 'init', '--quiet', '--initial-branch=main');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  fixtureGit(dir, 'add', '-A');
  fixtureGit(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

/** A bare copy of `repo`, as a remote only the workers share. */
export function bareRemote(repo: string): string {
  const dir = path.join(openTmpDir('pw-remote-'), 'remote.git');
  fixtureGit(repo, 'clone', '--quiet', '--bare', repo, dir);
  return dir;
}

/** Commit subjects and trailers of `ref` in `repo`, newest first. */
export function commitLog(repo: string, ref: string): { subject: string; body: string }[] {
  const out = fixtureGit(repo, 'log', '--format=%s%x00%b%x01', ref);
  return out
    .split('\u0001')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => {
      const [subject, body] = e.split('\u0000');
      return { subject: subject!, body: body ?? '' };
    });
}
