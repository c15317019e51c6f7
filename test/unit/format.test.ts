import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration } from '../../src/cli/format';

describe('durations in reports', () => {
  it('rounds to the unit it shows, never printing 60 of the smaller one', () => {
    assert.deepEqual([755, 1700, 59_940, 59_970, 119_700, 3_599_700, 7_199_999].map(formatDuration), [
      '755 ms',
      '1.7 s',
      '59.9 s',
      '1 min 0 s',
      '2 min 0 s',
      '1 h 0 min',
      '2 h 0 min',
    ]);
  });
});
