/**
 * The files the simulated tool-using agent writes for a task: a small JavaScript module derived from the task and a
 * node:test file that passes against it, so that a run's verify command (`node --test`, `npm test`) really passes.
 * Plain JavaScript on purpose: the repository under test may have no TypeScript toolchain.
 */

/** The task as the agent read it from its prompt. */
export interface TaskBrief {
  id: string;
  title: string;
  criteria: string[];
}

export interface AgentFile {
  path: string;
  content: string;
}

/** The task id as a file name: lower case, runs of anything but letters and digits as one dash; never empty. */
export function slugOf(taskId: string): string {
  return (
    taskId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'task'
  );
}

/** The slug as a JavaScript identifier stem: camelCase, never starting with a digit. */
function identifierOf(slug: string): string {
  const [first = 'task', ...rest] = slug.split('-');
  const stem = first + rest.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return /^[0-9]/.test(stem) ? `task${stem.charAt(0).toUpperCase()}${stem.slice(1)}` : stem;
}

/**
 * The module `src/<slug>.js` and its test `test/<slug>.test.js`. `esm` follows the repository's package.json
 * ("type": "module"); Node 20 reads any other .js file as CommonJS and refuses import/export syntax in it.
 */
export function taskFiles(task: TaskBrief, esm: boolean): { module: AgentFile; test: AgentFile; exports: string[] } {
  const slug = slugOf(task.id);
  const stem = identifierOf(slug);
  const titleFn = `${stem}Title`;
  const criteriaFn = `${stem}Criteria`;
  // JSON string literals are valid JavaScript literals, whatever the title holds (quotes, backslashes, unicode).
  const title = JSON.stringify(task.title);
  const criteria = JSON.stringify(task.criteria);
  const header = `// Task ${JSON.stringify(task.id)}, written by the Planwright simulator.`;
  const functions = [
    `/** The title of the task this module was written for. */`,
    `${esm ? 'export ' : ''}function ${titleFn}() {`,
    `  return ${title};`,
    `}`,
    ``,
    `/** Its acceptance criteria, one string each, as a fresh array. */`,
    `${esm ? 'export ' : ''}function ${criteriaFn}() {`,
    `  return ${criteria};`,
    `}`,
  ];
  const moduleLines = esm
    ? [header, '', ...functions]
    : ["'use strict';", '', header, '', ...functions, '', `module.exports = { ${titleFn}, ${criteriaFn} };`];
  const imports = esm
    ? [
        `import test from 'node:test';`,
        `import assert from 'node:assert/strict';`,
        `import { ${titleFn}, ${criteriaFn} } from '../src/${slug}.js';`,
      ]
    : [
        `'use strict';`,
        `const test = require('node:test');`,
        `const assert = require('node:assert/strict');`,
        `const { ${titleFn}, ${criteriaFn} } = require('../src/${slug}.js');`,
      ];
  const testLines = [
    ...imports,
    '',
    `test('${titleFn} returns the title of the task', () => {`,
    `  assert.equal(${titleFn}(), ${title});`,
    `});`,
    '',
    `test('${criteriaFn} lists every acceptance criterion in a fresh array', () => {`,
    `  assert.deepEqual(${criteriaFn}(), ${criteria});`,
    `  assert.notEqual(${criteriaFn}(), ${criteriaFn}());`,
    `});`,
  ];
  return {
    module: { path: `src/${slug}.js`, content: `${moduleLines.join('\n')}\n` },
    test: { path: `test/${slug}.test.js`, content: `${testLines.join('\n')}\n` },
    exports: [titleFn, criteriaFn],
  };
}
