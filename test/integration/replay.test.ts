/**
 * Determinism guard: histories recorded from real runs (test/fixtures/histories/<set>/) replay against today's
 * workflow bundle. Every set ever recorded is replayed: a change that running workflows could not replay through fails
 * here, before it ships. Needs no server.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { dataConverter } from '../../src/infra/data-converter';
import { productionBundle, quietRuntime } from '../helpers/temporal';

const root = path.join(__dirname, '..', 'fixtures', 'histories');
const sets = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const fixtures = sets.flatMap((set) =>
  readdirSync(path.join(root, set))
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(set, f)),
);

/** The workflow id a fixture was recorded under: "/" is written "__", and "@N" numbers runs of one id. */
const workflowIdOf = (file: string) => path.basename(file, '.json').replace(/@\d+$/, '').replace(/__/g, '/');

describe('replay of recorded histories with the production bundle', () => {
  it('has recorded histories to replay, in versioned sets', () => {
    assert.ok(sets.length >= 2, `expected versioned fixture sets in ${root}`);
    assert.ok(fixtures.length >= 4, `expected recorded histories in ${root}`);
  });
  for (const file of fixtures) {
    it(`replays ${file} without a determinism violation`, async () => {
      quietRuntime();
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(root, file), 'utf8')));
      await Worker.runReplayHistory(
        { workflowBundle: await productionBundle(), dataConverter },
        history,
        workflowIdOf(file),
      );
    });
  }
});
