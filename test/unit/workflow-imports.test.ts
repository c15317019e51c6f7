import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../..');

/** Module specifiers a file loads at run time: type-only imports and re-exports are erased by the compiler. */
function valueImports(source: string): string[] {
  const found: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^;]*?)\s*from\s+'([^']+)'/gms;
  for (const m of source.matchAll(statement)) {
    const [, , typeOnly, clause = '', specifier = ''] = m;
    if (typeOnly) continue;
    const braces = /^\{([^}]*)\}$/s.exec(clause.trim());
    const names = braces?.[1]
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // `import { type A, type B } from` loads nothing either (ESLint's consistent-type-imports keeps types marked).
    if (names && names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    found.push(specifier);
  }
  for (const m of source.matchAll(/^import\s+'([^']+)'/gm)) found.push(m[1]!);
  return found;
}

function resolveLocal(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`cannot resolve ${specifier} from ${from}`);
}

/** Every package a module loads, directly or through local modules, when it is evaluated. */
function packagesLoadedBy(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of valueImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) visit(resolveLocal(file, specifier));
      else if (!packages.has(specifier)) packages.set(specifier, path.relative(root, file));
    }
  };
  visit(path.join(root, entry));
  return packages;
}

describe('what a task workflow loads', () => {
  // The worker evaluates a workflow's modules once per execution; zod alone cost ~15 ms of CPU per task.
  it('the bundle entry and the task workflow load no zod', () => {
    for (const entry of ['src/workflows/index.ts', 'src/workflows/task/task-workflow.ts']) {
      const packages = packagesLoadedBy(entry);
      assert.ok(packages.has('@temporalio/workflow'), `the walk found the imports of ${entry}`);
      const zodFrom = [...packages].filter(([name]) => name === 'zod' || name.startsWith('zod/'));
      assert.deepEqual(zodFrom, [], `${entry} loads zod through ${zodFrom.map(([, by]) => by).join(', ')}`);
    }
  });

  it('the run workflow does load zod (the check can fail)', () => {
    assert.ok(packagesLoadedBy('src/workflows/run/goal-workflow.ts').has('zod'));
  });
});
