/**
 * Determinism guard: histories recorded from real runs (test/fixtures/histories) replay against today's workflow
 * bundle. A change that running workflows could not replay through fails here, before it ships. Needs no server.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { productionBundle, quietRuntime } from '../helpers/temporal';

const dir = path.join(__dirname, '..', 'fixtures', 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories with the production bundle', () => {
  it('has recorded histories to replay', () => {
    assert.ok(fixtures.length >= 4, `expected recorded histories in ${dir}`);
  });
  for (const file of fixtures) {
    it(`replays ${file} without a determinism violation`, async () => {
      quietRuntime();
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      await Worker.runReplayHistory(
        { workflowBundle: await productionBundle() },
        history,
        file.replace(/\.json$/, '').replace(/__/g, '/'),
      );
    });
  }
});
