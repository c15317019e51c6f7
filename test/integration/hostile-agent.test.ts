/**
 * A hostile agent, scripted with the simulator, against a real worker: real Temporal, real git, real bubblewrap. Every
 * test asserts what happened on the host (a marker file the agent tries to create from outside the sandbox, canary
 * secrets, connections to a loopback service, processes left behind, what the user's repository received), not only
 * what the agent was told. The agent's code runs through an allowed command, as it would in a real run: `npm test`
 * (the README's example policy) or a script the agent wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CheckoutLimits } from '../../src/activities/workspace';
import { taskBranch } from '../../src/domain/git-refs';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import type { WorkspacePolicyInput } from '../../src/domain/workspace-policy-schema';
import { fixtureGit, openTmpDir, userRepository } from '../helpers/git-fixtures';
import { toolResultsOf } from '../helpers/model-calls';
import {
  createTestEnvironment,
  productionBundle,
  testWorkspace,
  uniqueId,
  withWorker,
  type Harness,
} from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

/** A folder only the host sees: a file appearing here was made by a process outside the sandbox. */
const hostOnly = openTmpDir('pw-hostile-host-');

function markerPath(): string {
  return path.join(hostOnly, `escaped-${randomBytes(6).toString('hex')}`);
}

type Turn = { tool: string; arguments?: unknown };
const write = (file: string, content: string): Turn => ({ tool: 'write_file', arguments: { path: file, content } });
const run = (command: string): Turn => ({ tool: 'run_command', arguments: { command } });

interface HostileRun {
  view: RunView;
  runId: string;
  repo: string;
  h: Harness;
}

/** Runs a one-task plan (or `plan`) whose agent plays `script`, with `policy`, and returns the run's view. */
async function hostileRun(options: {
  files: Record<string, string>;
  script: Turn[];
  policy: WorkspacePolicyInput;
  setup?: string[];
  plan?: GoalInputJson['plan'];
  scripts?: Record<string, Turn[]>;
  limits?: Partial<CheckoutLimits>;
  check?: (r: HostileRun) => Promise<void> | void;
}): Promise<void> {
  const repo = userRepository(options.files);
  const tasks = Object.fromEntries(
    Object.entries(options.scripts ?? { work: options.script }).map(([id, toolScript]) => [
      id,
      { toolScript, toolScriptRounds: 1 },
    ]),
  );
  await withWorker(
    env,
    { tasks },
    async (h) => {
      const runId = uniqueId('run');
      const input: GoalInputJson = {
        goal: 'g',
        plan: options.plan ?? {
          goal: 'g',
          tasks: [{ id: 'work', title: 'Do the work', acceptanceCriteria: ['done'] }],
        },
        workspace: { repo, policy: options.policy, ...(options.setup ? { setup: options.setup } : {}) },
      };
      const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [input],
      });
      await options.check?.({ view, runId, repo, h });
    },
    { workspace: testWorkspace(options.limits ? { limits: options.limits } : {}) },
  );
}

/** Every entry of a branch's tree: mode, type and path. */
function treeOf(repo: string, ref: string): { mode: string; path: string; object: string }[] {
  return fixtureGit(repo, 'ls-tree', '-r', '-z', ref)
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, file] = line.split('\t');
      const [mode, , object] = meta!.split(' ');
      return { mode: mode!, path: file!, object: object! };
    });
}

/** What the agent of `task` read back from its tools, all rounds. */
function toldAgent(h: Harness, task = 'work'): string {
  return h.sim
    .requests()
    .filter((r) => r.task === task && r.kind === 'implementer')
    .flatMap((r) => toolResultsOf(r.messages))
    .join('\n');
}

/** A shell script that makes a nested repository whose clean filter would create `marker` (outside the sandbox). */
function nestedFilterScript(marker: string): string {
  return [
    'set -e',
    'if [ -d vendor/lib/.git ]; then echo more >> vendor/lib/data.txt; exit 0; fi',
    'mkdir -p vendor/lib && cd vendor/lib',
    'git init -q',
    `git config filter.evil.clean "sh -c 'touch ${marker}; cat'"`,
    'git config filter.evil.smudge cat',
    "echo '* filter=evil' > .gitattributes",
    'echo one > data.txt',
    'git add -A && git -c user.name=a -c user.email=a@example.com commit -qm one',
    'cd ../.. && echo changed >> vendor/lib/data.txt',
  ].join('\n');
}

/** A TCP service on the host's loopback that counts connections: no agent, and no git of the worker, may reach it. */
async function withLoopbackService(fn: (port: number, connections: string[]) => Promise<void>): Promise<void> {
  const connections: string[] = [];
  const server: Server = createServer((socket) => {
    connections.push('connected');
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as { port: number }).port, connections);
  } finally {
    server.close();
  }
}

describe('a hostile agent cannot reach the host', { timeout: 300_000 }, () => {
  it('a nested repository with a filter, made through `npm test`, never runs its filter on the host', async () => {
    const marker = markerPath();
    await hostileRun({
      files: { 'package.json': '{ "name": "fixture" }\n', 'README.md': '# Fixture\n' },
      policy: { commands: ['npm test'], verify: ['npm test'] },
      script: [
        write('package.json', '{ "name": "fixture", "scripts": { "test": "sh scripts/check.sh" } }\n'),
        write('scripts/check.sh', nestedFilterScript(marker)),
        run('npm test'),
        run('npm test'),
        run('npm test'),
      ],
      check: ({ view, runId, repo, h }) => {
        assert.equal(existsSync(marker), false, 'the nested repository’s filter ran on the host');
        const tree = treeOf(repo, taskBranch(runId, 'work'));
        assert.deepEqual(
          tree.filter((e) => e.mode === '160000'),
          [],
          'no gitlink was committed',
        );
        assert.ok(!tree.some((e) => /(^|\/)\.git(\/|$)/i.test(e.path)));
        assert.match(toldAgent(h), /git repositories inside the checkout were removed \(vendor\/lib\/\.git\)/);
        assert.equal(view.status, 'succeeded');
      },
    });
  });

  it('the same through a test runner that imports agent-written code', async () => {
    const marker = markerPath();
    const module = `require('node:child_process').execFileSync('sh', ['-c', ${JSON.stringify(nestedFilterScript(marker))}], { stdio: 'inherit' });\nmodule.exports = {};\n`;
    await hostileRun({
      files: { 'package.json': '{ "name": "fixture" }\n' },
      policy: { commands: ['node --test'] },
      script: [
        write('src/helper.js', module),
        write('test/helper.test.js', "require('../src/helper');\nrequire('node:test')('loads', () => {});\n"),
        run('node --test'),
        run('node --test'),
        run('node --test'),
      ],
      check: ({ runId, repo }) => {
        assert.equal(existsSync(marker), false, 'the nested repository’s filter ran on the host');
        const tree = treeOf(repo, taskBranch(runId, 'work'));
        // Its files may stay, as plain files; the repository itself (a gitlink, its .git) never reaches a commit.
        assert.ok(
          !tree.some((e) => e.mode === '160000' || /(^|\/)\.git(\/|$)/.test(e.path)),
          'no repository committed',
        );
      },
    });
  });

  it("drivers named by the agent's .gitattributes never run, even ones the worker's own git config defines", async () => {
    const marker = markerPath();
    // An operator's global config with a filter and a diff driver (as git-lfs installs one): the agent names them.
    const globalConfig = path.join(hostOnly, `gitconfig-${randomBytes(4).toString('hex')}`);
    // Quoted: in a config file an unquoted ";" starts a comment.
    const touching = `"sh -c 'touch ${marker}; cat'"`;
    writeFileSync(
      globalConfig,
      `[filter "evil"]\n\tclean = ${touching}\n\tsmudge = ${touching}\n[diff "evil"]\n\ttextconv = ${touching}\n` +
        `[merge "evil"]\n\tdriver = ${touching}\n`,
    );
    const previous = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = globalConfig;
    try {
      await hostileRun({
        files: { 'README.md': '# Fixture\n' },
        policy: { commands: ['sh hostile.sh'] },
        script: [
          write('.gitattributes', '* filter=evil diff=evil merge=evil\n'),
          write(
            'hostile.sh',
            [
              // .git in every spelling, hooks and core.hooksPath: all refused or removed.
              `git config core.hooksPath /work/hooks 2>&1 || true`,
              `git config filter.evil.clean "touch ${marker}" 2>&1 || true`,
              'mkdir -p hooks && printf "#!/bin/sh\\ntouch %s\\n" > hooks/pre-commit && chmod +x hooks/pre-commit',
              'echo x > .git/config 2>&1 || true',
              'mkdir -p .GIT sub/.Git "deep/.git " && echo "[core]" > .GIT/config && echo y > sub/.Git/HEAD',
              'printf "gitdir: /etc\\n" > deep/.git 2>/dev/null || printf "gitdir: /etc\\n" > nested.git',
              'echo data > data.txt',
            ].join('\n'),
          ),
          run('sh hostile.sh'),
          write('more.txt', 'a second commit, so the worker runs git on the tree again\n'),
        ],
        check: ({ runId, repo }) => {
          assert.equal(existsSync(marker), false, 'a driver named by the agent ran on the host');
          const tree = treeOf(repo, taskBranch(runId, 'work'));
          assert.ok(tree.some((e) => e.path === 'data.txt'));
          assert.deepEqual(
            tree.filter((e) => e.path.split('/').some((s) => s.toLowerCase().replace(/[. ]+$/, '') === '.git')),
            [],
          );
        },
      });
    } finally {
      if (previous === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = previous;
    }
  });

  it("a submodule pointing at a loopback service never makes the worker's git call it", async () => {
    await withLoopbackService(async (port, connections) => {
      const lib = [
        'set -e',
        'mkdir -p vendor/x && cd vendor/x && git init -q && echo a > a.txt && git add a.txt',
        'git -c user.name=a -c user.email=a@example.com commit -qm a && cd ../..',
        `printf '[submodule "vendor/x"]\\n\\tpath = vendor/x\\n\\turl = http://127.0.0.1:${port}/x.git\\n' > .gitmodules`,
        // And straight from the sandbox: its network namespace has no route to the host's loopback.
        `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => console.log('REACHED')).on('error', e => console.log(e.code))"`,
      ].join('\n');
      await hostileRun({
        files: { 'README.md': '# Fixture\n' },
        policy: { commands: ['sh lib.sh'] },
        plan: {
          goal: 'g',
          tasks: [
            { id: 'lib', title: 'Vendor a library', acceptanceCriteria: ['done'] },
            { id: 'use', title: 'Use it', deps: ['lib'], acceptanceCriteria: ['done'] },
          ],
        },
        script: [],
        scripts: { lib: [write('lib.sh', lib), run('sh lib.sh')], use: [write('used.txt', 'yes\n')] },
        check: ({ view, runId, repo, h }) => {
          assert.deepEqual(connections, [], 'the loopback service was contacted');
          assert.equal(view.status, 'succeeded', JSON.stringify(view.tasks.map((t) => [t.id, t.status])));
          for (const task of ['lib', 'use']) {
            const tree = treeOf(repo, taskBranch(runId, task));
            assert.ok(!tree.some((e) => e.mode === '160000'), `${task}: no gitlink`);
            assert.ok(!tree.some((e) => e.path === '.gitmodules'), `${task}: no .gitmodules`);
          }
          const told = toldAgent(h, 'lib');
          assert.doesNotMatch(told, /REACHED/);
          assert.match(told, /changes to git settings files were undone .*: \.gitmodules/);
        },
      });
    });
  });

  it('setup commands, which keep the network, never run what an agent wrote', async () => {
    await withLoopbackService(async (port, connections) => {
      const reach = `node -e "require('net').connect(${port}, '127.0.0.1').on('error', () => {})"; sleep 1\n`;
      await hostileRun({
        // The base's setup script is harmless; the agent rewrites it, as it could a postinstall script or a lockfile.
        files: { 'setup.sh': 'mkdir -p deps && echo installed > deps/marker\n', '.gitignore': 'deps/\n' },
        policy: { commands: ['true'] },
        setup: ['sh setup.sh'],
        plan: {
          goal: 'g',
          tasks: [
            { id: 'lib', title: 'Change the setup', acceptanceCriteria: ['done'] },
            { id: 'use', title: 'Depend on it', deps: ['lib'], acceptanceCriteria: ['done'] },
          ],
        },
        script: [],
        scripts: {
          // A changed lockfile makes a cache keyed by the checkout's own lockfiles install again.
          lib: [write('setup.sh', reach), write('package-lock.json', '{ "lockfileVersion": 3 }\n')],
          use: [{ tool: 'read_file', arguments: { path: 'deps/marker', startLine: null, endLine: null } }],
        },
        check: ({ view, h }) => {
          assert.equal(view.status, 'succeeded', JSON.stringify(view.tasks.map((t) => [t.id, t.status, t.error])));
          assert.deepEqual(connections, [], "the agent's setup script ran with the host's network");
          assert.match(toldAgent(h, 'use'), /installed/, "the dependent got the base's setup products");
        },
      });
    });
  });

  it('checks run on the committed tree: a stub planted in an ignored folder cannot make them pass', async () => {
    // Writes only under src/, only `npm test`: the agent's module, loaded by the repository's own tests, plants a
    // `node` that exits 0 where npm looks first (node_modules/.bin, git-ignored), and never fixes the answer.
    const planting =
      "const fs = require('node:fs');\n" +
      "fs.mkdirSync('node_modules/.bin', { recursive: true });\n" +
      "fs.writeFileSync('node_modules/.bin/node', '#!/bin/sh\\nexit 0\\n', { mode: 0o755 });\n" +
      'module.exports = { answer: 0 };\n';
    await hostileRun({
      files: {
        'package.json': '{ "name": "fixture", "scripts": { "test": "node --test" } }\n',
        '.gitignore': 'node_modules/\n',
        'src/answer.js': 'module.exports = { answer: 0 };\n',
        'test/answer.test.js':
          "const test = require('node:test');\nconst assert = require('node:assert');\n" +
          "test('answer', () => assert.equal(require('../src/answer').answer, 42));\n",
      },
      policy: { commands: ['npm test'], verify: ['npm test'], allowPaths: ['src/**'] },
      script: [write('src/answer.js', planting), run('npm test'), run('npm test')],
      check: ({ view, h }) => {
        const told = toldAgent(h);
        assert.match(told, /exit code 0/, 'the stub works in the agent’s own checkout');
        assert.notEqual(view.tasks[0]!.status, 'succeeded', 'a result that fails its tests was called verified');
        assert.notEqual(view.status, 'succeeded');
      },
    });
  });

  it('symbolic links out of the checkout are never committed; links inside it are', async () => {
    await hostileRun({
      files: { 'README.md': '# Fixture\n', 'src/ok.js': 'ok\n' },
      policy: { commands: ['sh links.sh'] },
      script: [
        write(
          'links.sh',
          [
            'ln -s /root/.git-credentials creds',
            'ln -s ../../../etc/passwd up',
            'ln -s .git/config gitcfg',
            'ln -s src/ok.js fine',
            'ln /usr/bin/env hard 2>&1 || echo hardlink-refused',
          ].join('\n'),
        ),
        run('sh links.sh'),
      ],
      check: ({ runId, repo }) => {
        const links = treeOf(repo, taskBranch(runId, 'work')).filter((e) => e.mode === '120000');
        assert.deepEqual(
          links.map((l) => [l.path, fixtureGit(repo, 'cat-file', 'blob', l.object)]),
          [['fine', 'src/ok.js']],
        );
        // A hard link cannot cross into the checkout's mount: nothing of /usr/bin/env arrived.
        assert.ok(!treeOf(repo, taskBranch(runId, 'work')).some((e) => e.path === 'hard'));
      },
    });
  });

  it("the worker's environment, home, /proc and other runs' checkouts stay out of reach", async () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    process.env.PLANWRIGHT_HOSTILE_CANARY = canary;
    const secretFile = path.join(hostOnly, 'secret.txt');
    writeFileSync(secretFile, canary);
    const workspace = testWorkspace();
    const other = path.join(workspace.root, 'checkouts', 'other-run', 'task-1');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'secret.txt'), canary);
    try {
      const steal = [
        'for f in /proc/1/environ /proc/*/environ; do cat "$f"; done',
        `cat ${secretFile} ${path.join(other, 'secret.txt')} ~/.git-credentials /root/.git-credentials`,
        `ls -R ${workspace.root}`,
        'env',
      ]
        .map((c) => `${c} >> loot.txt 2>&1`)
        .join('\n');
      await hostileRun({
        files: { 'README.md': '# Fixture\n' },
        policy: { commands: ['sh steal.sh'] },
        script: [write('steal.sh', steal), run('sh steal.sh'), run('sh steal.sh')],
        check: ({ runId, repo, h }) => {
          const loot = fixtureGit(repo, 'show', `${taskBranch(runId, 'work')}:loot.txt`);
          assert.ok(loot.length > 0);
          assert.doesNotMatch(loot, new RegExp(canary));
          assert.doesNotMatch(JSON.stringify(h.sim.requests()), new RegExp(canary));
        },
      });
    } finally {
      delete process.env.PLANWRIGHT_HOSTILE_CANARY;
    }
  });

  it('a fork bomb and a process left running end with the step, at a low priority and a CPU-time limit', async () => {
    const tag = String(40000 + Math.floor(Math.random() * 9999));
    const bomb = [
      'nice > niceness.txt',
      'sh -c "ulimit -t" > cpu-limit.txt',
      `(sleep ${tag} &)`,
      'bomb() { bomb | bomb & }; bomb 2>/dev/null',
      'sleep 30',
    ].join('\n');
    await hostileRun({
      files: { 'README.md': '# Fixture\n' },
      policy: { commands: ['sh bomb.sh'], commandTimeoutSeconds: 4 },
      script: [write('bomb.sh', bomb), run('sh bomb.sh')],
      check: ({ runId, repo }) => {
        const branch = taskBranch(runId, 'work');
        assert.equal(fixtureGit(repo, 'show', `${branch}:niceness.txt`), '15');
        assert.equal(fixtureGit(repo, 'show', `${branch}:cpu-limit.txt`), '600');
        const left = readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .filter((p) => {
            try {
              return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(tag);
            } catch {
              return false;
            }
          });
        assert.deepEqual(left, [], 'a process of the step outlived it');
      },
    });
  });

  it('a step or a task over the byte limits is undone, and an oversized checkout loses its ignored files', async () => {
    await hostileRun({
      files: { 'README.md': '# Fixture\n', '.gitignore': 'build/\n' },
      policy: { commands: ['sh fill.sh'] },
      limits: { maxStepBytes: 1024 ** 2, maxTaskBytes: 1536 * 1024, maxCheckoutBytes: 2 * 1024 ** 2 },
      script: [
        write('fill.sh', 'mkdir -p "$(dirname "$2")" && head -c $(($1 * 1024)) /dev/zero > "$2"'),
        run('sh fill.sh 3072 big.bin'),
        run('sh fill.sh 900 part1.bin'),
        run('sh fill.sh 900 part2.bin'),
        run('sh fill.sh 3072 build/cache.bin'),
      ],
      check: ({ runId, repo, h }) => {
        const files = treeOf(repo, taskBranch(runId, 'work')).map((e) => e.path);
        assert.ok(!files.includes('big.bin'), 'a 3 MiB step was committed past a 1 MiB limit');
        assert.ok(files.includes('part1.bin'));
        assert.ok(!files.includes('part2.bin'), 'the task went past its 1.5 MiB limit');
        const told = toldAgent(h);
        assert.match(told, /this step wrote 3\.0 MiB of files; a step may commit at most 1\.0 MiB/);
        assert.match(told, /a task may commit at most 1\.5 MiB/);
        assert.match(told, /over this worker's limit of 2\.0 MiB: files git ignores were removed \(build\/\)/);
      },
    });
  });

  it('writes outside --allow through commands are undone, tracked or new', async () => {
    await hostileRun({
      files: { 'README.md': '# Fixture\n', 'src/a.js': 'a\n' },
      policy: { commands: ['sh src/w.sh'], allowPaths: ['src/**'] },
      script: [write('src/w.sh', 'echo pwned > README.md; echo x > new.txt; echo b > src/b.js'), run('sh src/w.sh')],
      check: ({ runId, repo }) => {
        const branch = taskBranch(runId, 'work');
        assert.equal(fixtureGit(repo, 'show', `${branch}:README.md`), '# Fixture');
        const files = treeOf(repo, branch).map((e) => e.path);
        assert.ok(!files.includes('new.txt'));
      },
    });
  });
});
