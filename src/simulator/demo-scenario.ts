import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioInput } from './scenario';

/**
 * What the demo's simulated agents do with its goal (a CSV-to-JSON command-line tool with tests and a README): plan
 * four tasks and build, task by task, the small real project in examples/csv2json/, each task checked by the tests
 * it wrote. So the first run a newcomer sees, with no API key, ends with a tool that works (`node bin/csv2json.js`)
 * and a suite that passes on the merged result. With a real model, the planner and agents write their own.
 */

/** The example project, whose files the agents write. */
const PROJECT = path.join(__dirname, '..', '..', 'examples', 'csv2json');

const task = (id: string, title: string, deps: string[], agentType: string, criteria: string[], files: string[]) => ({
  id,
  title,
  description: `${title}, in plain CommonJS for Node 20, checked by node --test.`,
  deps,
  agentType,
  effort: files.length + 1,
  acceptanceCriteria: criteria,
  artifacts: files,
});

const PLAN = [
  task(
    'parser',
    'Parse CSV into records and objects',
    [],
    'code',
    ['Quoted fields keep commas, line breaks and doubled quotes', 'A record of the wrong length is an error naming it'],
    ['src/csv.js', 'test/csv.test.js'],
  ),
  task(
    'cli',
    'Command line: csv2json [--pretty] [FILE]',
    ['parser'],
    'code',
    ['Reads a file or standard input and prints JSON', 'Exits 1 for bad CSV and 2 for bad usage, saying why'],
    ['bin/csv2json.js', 'test/cli.test.js'],
  ),
  task(
    'samples',
    'An example CSV file and a test that reads it',
    ['parser'],
    'test',
    ['The example has quoted commas and quotes', 'A test reads it'],
    ['examples/people.csv', 'test/examples.test.js'],
  ),
  task(
    'readme',
    'README with usage and an example that a test runs',
    ['cli', 'samples'],
    'docs',
    ['Explains usage, errors and tests', "A test checks the README's example output"],
    ['README.md', 'package.json', 'test/readme.test.js'],
  ),
];

/** Each task's turns: write its files one by one, then run the tests. */
function toolScript(files: string[]) {
  return [
    ...files.map((file) => ({
      tool: 'write_file',
      arguments: { path: file, content: readFileSync(path.join(PROJECT, file), 'utf8') },
    })),
    { tool: 'run_command', arguments: { command: 'node --test' } },
  ];
}

export function demoScenario(): ScenarioInput {
  return {
    latency: {
      planner: { medianMs: 600 },
      implementer: { medianMs: 400, sigma: 0.4 },
      reviewer: { medianMs: 200, sigma: 0.3 },
    },
    plan: { tasks: PLAN },
    tasks: Object.fromEntries(
      PLAN.map((t) => [
        t.id,
        // The reviewer sends the command line back once: the review loop at work.
        { toolScript: toolScript(t.artifacts), ...(t.id === 'cli' ? { verdicts: ['FAIL', 'PASS'] as const } : {}) },
      ]),
    ),
  };
}
