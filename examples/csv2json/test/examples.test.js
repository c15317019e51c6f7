'use strict';
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { it } = require('node:test');
const { csvToObjects } = require('../src/csv');

it('reads the example file: three people, with quoted commas and quotes intact', () => {
  const people = csvToObjects(readFileSync(path.join(__dirname, '..', 'examples', 'people.csv'), 'utf8'));
  assert.deepEqual(
    people.map((p) => p.name),
    ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'],
  );
  assert.equal(people[1]['known for'], '"On Computable Numbers"');
  assert.equal(people[2]['known for'], 'COBOL, and the word "debugging"');
});
