/**
 * The CI gate of examples/github-actions.yml, run the way GitHub runs it: each `run:` script is written to a file and
 * run with the step's shell, which is `bash -e {0}` when no `shell:` is set (GitHub's documented default on Linux:
 * -e, but no pipefail), with the workflow's, job's and step's `env:` and GITHUB_* files in a temporary workspace.
 * The install step runs for real against a stub `npm` and a Planwright folder whose bin/planwright.js hands over to
 * this checkout's CLI (src/cli/main.ts through tsx), so the `planwright` shim on PATH is the one the example writes.
 * No Temporal server: `plan --plan` is local.
 *
 * Against the old example these tests fail: its plan step was `npx planwright plan … | tee -a "$GITHUB_STEP_SUMMARY"`,
 * whose exit code under `bash -e` is tee's 0 whatever planwright returned, so the step passed over the gate (the
 * last test shows that pipeline passing), and it had no step with the ids these tests look up.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runCommand } from '../helpers/cli';

const root = path.join(__dirname, '..', '..');

// No YAML parser is among the dependencies, and a test is no reason to add one. This small line-based reader takes
// the subset GitHub workflows use (block mappings and sequences, `|` literal blocks, quoted and plain scalars,
// comments; flow collections come back as their raw text) and throws on anything else, so a construct it does not
// know fails the test loudly instead of being misread.
type Yaml = string | Yaml[] | { [key: string]: Yaml };
interface YamlLine {
  indent: number;
  text: string;
  index: number;
}

function parseYaml(source: string): Yaml {
  const raw = source.replace(/\r\n/g, '\n').split('\n');
  let next = 0;
  // A sequence item that opens a mapping (`- run: x`) is read again as a line of its own at the key's column.
  let pushedBack: YamlLine | undefined;
  const fail = (index: number, why: string): never => {
    throw new Error(`examples/github-actions.yml line ${index + 1}: ${why}`);
  };

  const peek = (): YamlLine | undefined => {
    if (pushedBack) return pushedBack;
    for (let i = next; i < raw.length; i++) {
      const line = raw[i]!;
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      if (/^ *\t/.test(line)) fail(i, 'tabs cannot indent YAML');
      if (text === '---' || text === '...' || /^[&*!%]/.test(text)) fail(i, `unsupported YAML: ${text}`);
      return { indent: line.length - line.trimStart().length, text, index: i };
    }
    return undefined;
  };
  const take = (line: YamlLine) => {
    if (pushedBack) pushedBack = undefined;
    else next = line.index + 1;
  };
  const isItem = (text: string) => text === '-' || text.startsWith('- ');

  function scalar(text: string, index: number): string {
    const quote = text[0];
    if (quote === "'" || quote === '"') {
      let end = 1;
      while (end < text.length) {
        if (quote === "'" && text[end] === "'" && text[end + 1] === "'") end += 2;
        else if (quote === '"' && text[end] === '\\') end += 2;
        else if (text[end] === quote) break;
        else end += 1;
      }
      const rest = text.slice(end + 1).trim();
      if (end >= text.length || (rest !== '' && !rest.startsWith('#'))) fail(index, `bad quoted scalar: ${text}`);
      const body = text.slice(0, end + 1);
      return quote === "'" ? body.slice(1, -1).replace(/''/g, "'") : (JSON.parse(body) as string);
    }
    return text.replace(/\s+#.*$/, '').trim();
  }

  function blockScalar(header: string, parentIndent: number, index: number): string {
    if (header.startsWith('>')) fail(index, 'folded block scalars are not supported');
    const lines: string[] = [];
    let indent: number | undefined;
    for (; next < raw.length; next++) {
      const line = raw[next]!;
      if (line.trim() === '') {
        lines.push('');
        continue;
      }
      const lineIndent = line.length - line.trimStart().length;
      indent ??= lineIndent;
      if (lineIndent < indent || lineIndent <= parentIndent) break;
      lines.push(line.slice(indent));
    }
    while (lines.at(-1) === '') lines.pop();
    const text = lines.join('\n');
    if (header === '|-') return text;
    if (header === '|') return `${text}\n`;
    return fail(index, `unsupported block scalar header ${header}`);
  }

  // The value after `key:` (or `-`) on a line at `parentIndent`: inline, a block scalar, or a nested block.
  function value(rest: string, parentIndent: number, index: number, inMapping: boolean): Yaml {
    if (/^[|>]/.test(rest)) return blockScalar(rest.replace(/\s+#.*$/, ''), parentIndent, index);
    if (rest !== '' && !rest.startsWith('#')) return scalar(rest, index);
    const child = peek();
    if (child && child.indent > parentIndent) return node(child.indent);
    // YAML lets a mapping's sequence start at the key's own column.
    if (inMapping && child && child.indent === parentIndent && isItem(child.text)) return sequence(parentIndent);
    return '';
  }

  function node(indent: number): Yaml {
    const first = peek()!;
    return isItem(first.text) ? sequence(indent) : mapping(indent);
  }

  function mapping(indent: number): Yaml {
    const map: { [key: string]: Yaml } = {};
    for (let line = peek(); line && line.indent >= indent; line = peek()) {
      if (line.indent > indent) fail(line.index, 'unexpected indentation');
      if (isItem(line.text)) break;
      const match = /^([A-Za-z0-9_][\w.\-/]*)\s*:(?:\s+(.*))?$/.exec(line.text);
      if (!match) return fail(line.index, `expected "key: value", got: ${line.text}`);
      take(line);
      const key = match[1]!;
      if (key in map) fail(line.index, `duplicate key ${key}`);
      map[key] = value(match[2] ?? '', indent, line.index, true);
    }
    return map;
  }

  function sequence(indent: number): Yaml[] {
    const items: Yaml[] = [];
    for (let line = peek(); line && line.indent === indent && isItem(line.text); line = peek()) {
      take(line);
      const content = line.text.slice(1).trimStart();
      const column = line.indent + line.text.length - content.length;
      if (/^[A-Za-z0-9_][\w.\-/]*\s*:(\s|$)/.test(content)) {
        pushedBack = { indent: column, text: content, index: line.index };
        items.push(mapping(column));
      } else {
        items.push(value(content, indent, line.index, false));
      }
    }
    return items;
  }

  const top = peek();
  if (!top) return {};
  const doc = node(top.indent);
  const rest = peek();
  if (rest) fail(rest.index, 'unexpected content');
  return doc;
}

const asMap = (v: Yaml | undefined, what: string): { [key: string]: Yaml } => {
  assert.ok(v !== undefined && typeof v === 'object' && !Array.isArray(v), `${what} should be a mapping`);
  return v;
};
const asList = (v: Yaml | undefined, what: string): Yaml[] => {
  assert.ok(Array.isArray(v), `${what} should be a list`);
  return v;
};

const workflow = asMap(parseYaml(readFileSync(path.join(root, 'examples', 'github-actions.yml'), 'utf8')), 'workflow');
const workflowEnv = asMap(workflow.env ?? {}, 'env');
const job = (name: string) => asMap(asMap(workflow.jobs, 'jobs')[name], `jobs.${name}`);
const step = (jobName: string, id: string) => {
  const found = asList(job(jobName).steps, `jobs.${jobName}.steps`).find((s) => asMap(s, 'step').id === id);
  assert.ok(found, `jobs.${jobName} has a step with id "${id}"`);
  return asMap(found, `step ${id}`);
};

/** The command GitHub runs a `run:` script with: the step's shell, else the job's or workflow's default, else bash -e. */
function shellCommand(jobName: string, s: { [key: string]: Yaml }, file: string): string[] {
  const defaultShell = (m: { [key: string]: Yaml }) =>
    asMap(asMap(m.defaults ?? {}, 'defaults').run ?? {}, 'run').shell;
  const shell = s.shell ?? defaultShell(job(jobName)) ?? defaultShell(workflow);
  if (shell === undefined) return ['bash', '-e', file];
  if (shell === 'bash') return ['bash', '--noprofile', '--norc', '-eo', 'pipefail', file];
  if (shell === 'sh') return ['sh', '-e', file];
  assert.equal(typeof shell, 'string');
  assert.match(shell as string, /\{0\}/, `custom shell ${String(shell)} needs {0}`);
  return (shell as string).split(/\s+/).map((part) => part.replace('{0}', file));
}

/** Values of an `env:` block; an expression (`${{ secrets.X }}`) is what an unset secret gives: empty. */
function envOf(block: Yaml | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, val] of Object.entries(asMap(block ?? {}, 'env'))) {
    assert.equal(typeof val, 'string', `env ${key}`);
    env[key] = (val as string).includes('${{') ? '' : (val as string);
  }
  return env;
}

/** A GitHub-hosted job in miniature: a workspace, the GITHUB_* files, and PATH grown by what steps add to GITHUB_PATH. */
function createJobRunner(jobName: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'planwright-ci-'));
  const workspace = path.join(dir, 'workspace');
  const runnerTemp = path.join(dir, 'runner-temp');
  const files = { summary: path.join(dir, 'step-summary.md'), path: path.join(dir, 'github-path') };
  mkdirSync(workspace);
  mkdirSync(runnerTemp);
  writeFileSync(files.summary, '');
  writeFileSync(files.path, '');
  const stubs = path.join(dir, 'stubs');
  mkdirSync(stubs);
  let scriptCount = 0;
  // This machine's own settings stay out of the job (undefined drops a variable from the child's environment).
  const cleared: NodeJS.ProcessEnv = Object.fromEntries(
    Object.keys(process.env)
      .filter((key) => /^(TEMPORAL_|PLANWRIGHT_|GITHUB_|RUNNER_)/.test(key))
      .map((key) => [key, undefined]),
  );

  // GitHub writes the script to a file and runs the shell on it, in the workspace, PATH grown by GITHUB_PATH.
  const runScript = (script: string, shell: (file: string) => string[], stepEnv: NodeJS.ProcessEnv) => {
    assert.doesNotMatch(script, /\$\{\{/, 'scripts read values from env, never from ${{ }} expanded into the text');
    const file = path.join(runnerTemp, `step-${++scriptCount}.sh`);
    writeFileSync(file, script);
    const added = readFileSync(files.path, 'utf8').split('\n').filter(Boolean).reverse();
    const [command, ...args] = shell(file);
    const env: NodeJS.ProcessEnv = {
      ...cleared,
      ...envOf(workflow.env),
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_PATH: files.path,
      RUNNER_TEMP: runnerTemp,
      PATH: [...added, stubs, process.env.PATH].join(path.delimiter),
      ...stepEnv,
    };
    return runCommand('/bin/sh', ['-c', 'cd "$1" && shift && exec "$@"', 'step', workspace, command!, ...args], env);
  };

  return {
    workspace,
    summary: () => readFileSync(files.summary, 'utf8'),
    /** Puts an executable on PATH ahead of the system's, as a runner image would have it. */
    stub(name: string, script: string) {
      writeFileSync(path.join(stubs, name), script);
      chmodSync(path.join(stubs, name), 0o755);
    },
    /** Runs one step's `run:` script as GitHub would, with the workflow's, job's and step's env. */
    runStep(id: string) {
      const s = step(jobName, id);
      assert.equal(typeof s.run, 'string', `step ${id} has a run: script`);
      return runScript(s.run as string, (file) => shellCommand(jobName, s, file), {
        ...envOf(job(jobName).env),
        ...envOf(s.env),
      });
    },
    /** Runs a script under GitHub's default shell (`bash -e {0}`) with this job's env, as a step of it would. */
    runScriptAsStep(script: string) {
      return runScript(script, (file) => ['bash', '-e', file], envOf(job(jobName).env));
    },
  };
}

/**
 * A job whose workspace holds a Planwright folder at PLANWRIGHT_DIR, installed by the example's own install step:
 * `npm` is a stub that records its arguments, and bin/planwright.js hands over to this checkout's CLI.
 */
async function installedJob(jobName: string) {
  const runner = createJobRunner(jobName);
  const npmLog = path.join(runner.workspace, '..', 'npm-calls');
  runner.stub('npm', `#!/bin/sh\necho "$PWD $*" >> '${npmLog}'\n`);
  assert.equal(typeof workflowEnv.PLANWRIGHT_DIR, 'string', 'env.PLANWRIGHT_DIR says where Planwright is');
  const planwrightDir = path.join(runner.workspace, workflowEnv.PLANWRIGHT_DIR as string);
  mkdirSync(path.join(planwrightDir, 'bin'), { recursive: true });
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const main = path.join(root, 'src', 'cli', 'main.ts');
  writeFileSync(
    path.join(planwrightDir, 'bin', 'planwright.js'),
    [
      `const { spawnSync } = require('node:child_process');`,
      `const cli = [${JSON.stringify(`--import=${tsx}`)}, ${JSON.stringify(main)}, ...process.argv.slice(2)];`,
      `process.exit(spawnSync(process.execPath, cli, { stdio: 'inherit' }).status ?? 1);`,
    ].join('\n'),
  );
  const install = await runner.runStep('cli');
  assert.equal(install.code, 0, install.stderr);
  assert.equal(readFileSync(npmLog, 'utf8').trim(), `${planwrightDir} ci`, 'npm ci runs in the Planwright folder');
  return runner;
}

const planFile = () => workflowEnv.PLAN_FILE as string;
const maxCredits = () => Number(workflowEnv.MAX_CREDITS);

/**
 * Writes a plan into the workspace at PLAN_FILE: examples/plan.json (projected under the example's MAX_CREDITS, as a
 * plan a user copies should be), a two-task cycle, or `tasks` independent tasks (40 project far above it).
 */
function commitPlan(workspace: string, plan: 'example' | { tasks: number } | 'cyclic'): string {
  const target = path.join(workspace, planFile());
  mkdirSync(path.dirname(target), { recursive: true });
  if (plan === 'example') {
    copyFileSync(path.join(root, 'examples', 'plan.json'), target);
  } else {
    const count = plan === 'cyclic' ? 2 : plan.tasks;
    const tasks = Array.from({ length: count }, (_, i) => ({
      id: `t${i + 1}`,
      title: `Task ${i + 1}`,
      description: `Do part ${i + 1} of the work`,
      deps: plan === 'cyclic' ? [`t${((i + 1) % count) + 1}`] : [],
      agentType: 'general',
      effort: 3,
      acceptanceCriteria: [`Part ${i + 1} is done`],
    }));
    writeFileSync(target, JSON.stringify({ goal: 'A plan written for the CI gate test', tasks }, null, 2));
  }
  return readFileSync(target, 'utf8');
}

describe('the GitHub Actions example gates on the plan', () => {
  it('names settings the test can use: the plan file, the gate, and the push trigger watching the plan file', () => {
    assert.ok(planFile(), 'env.PLAN_FILE');
    assert.ok(maxCredits() > 0, 'env.MAX_CREDITS is a positive number');
    const on = asMap(workflow.on, 'on');
    const paths = asMap(on.push, 'on.push').paths;
    assert.match(String(paths), new RegExp(`\\b${planFile().replace(/\./g, '\\.')}\\b`), 'on.push.paths has PLAN_FILE');
    const scripts = Object.values(asMap(workflow.jobs, 'jobs')).flatMap((j) =>
      asList(asMap(j, 'job').steps, 'steps').map((s) => asMap(s, 'step').run),
    );
    for (const script of scripts) {
      if (typeof script === 'string') assert.doesNotMatch(script, /npx planwright/, 'the package is private');
    }
  });

  it('fails the pull request step with exit 4 when the projected credits exceed MAX_CREDITS', async () => {
    const runner = await installedJob('plan');
    const plan = commitPlan(runner.workspace, { tasks: 40 });
    const result = await runner.runStep('gate');
    assert.equal(result.code, 4, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, new RegExp(`projected [\\d.]+ credits exceed --max-credits ${maxCredits()}`));
    assert.match(result.stdout, /Projected: [\d.]+ credits/, 'the log shows the projection');
    assert.match(runner.summary(), /\*\*Failed\*\* with exit code 4/);
    assert.equal(readFileSync(path.join(runner.workspace, planFile()), 'utf8'), plan, 'the plan file is left alone');
  });

  it('passes a plan within MAX_CREDITS and writes its table, DAG and projection to the job summary', async () => {
    const runner = await installedJob('plan');
    commitPlan(runner.workspace, 'example');
    const result = await runner.runStep('gate');
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const summary = runner.summary();
    assert.match(summary, new RegExp(`## Planwright plan: ${planFile().replace(/\./g, '\\.')}`));
    assert.match(summary, /design\s+Design the export format\s+general/);
    assert.match(summary, /```mermaid\nflowchart LR\n/);
    assert.match(summary, /Critical path \(effort 7\): design -> implement -> docs/);
    assert.match(summary, /Planning spent: 0 credits\nProjected: [\d.]+ credits/);
    assert.match(summary, new RegExp(`Within the gate of ${maxCredits()} credits`));
    assert.match(readFileSync(path.join(runner.workspace, 'plan-report.md'), 'utf8'), /Worst case: [\d.]+ credits/);
  });

  it('fails the pull request step with exit 2 on an invalid plan and says why', async () => {
    const runner = await installedJob('plan');
    commitPlan(runner.workspace, 'cyclic');
    const result = await runner.runStep('gate');
    assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /dependency cycle: t1 -> t2 -> t1/);
    assert.match(runner.summary(), /\*\*Failed\*\* with exit code 2/);
  });

  it('checks the merged plan on main against the same gate before the step that runs it', async () => {
    const steps = asList(job('run').steps, 'jobs.run.steps').map((s) => asMap(s, 'step'));
    const gateAt = steps.findIndex((s) => s.id === 'gate');
    const runAt = steps.findIndex(
      (s) => typeof s.run === 'string' && /planwright run --plan "\$PLAN_FILE"/.test(s.run),
    );
    assert.ok(gateAt >= 0 && runAt > gateAt, 'the gate step comes before the run step');

    const runner = await installedJob('run');
    commitPlan(runner.workspace, { tasks: 40 });
    const over = await runner.runStep('gate');
    assert.equal(over.code, 4, `${over.stdout}\n${over.stderr}`);
    commitPlan(runner.workspace, 'example');
    const within = await runner.runStep('gate');
    assert.equal(within.code, 0, `${within.stdout}\n${within.stderr}`);
  });

  it('would pass a `planwright plan | tee` step over the gate under the same shell, as the old example did', async () => {
    // The harness reproduces GitHub's `bash -e` without pipefail: the old pipeline's exit code is tee's.
    const runner = await installedJob('plan');
    commitPlan(runner.workspace, { tasks: 40 });
    const old = await runner.runScriptAsStep(
      'planwright plan --plan "$PLAN_FILE" --max-credits "$MAX_CREDITS" | tee -a "$GITHUB_STEP_SUMMARY"\n',
    );
    assert.match(old.stderr, /exceed --max-credits/, 'planwright itself exited 4');
    assert.equal(old.code, 0, 'tee exits 0, so the old step passed whatever the gate said');
    assert.match(runner.summary(), /Projected: [\d.]+ credits/);
  });
});
