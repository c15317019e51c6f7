'use strict';
const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { csvToObjects, parseRecords } = require('../src/csv');

describe('parseRecords', () => {
  it('splits fields on commas and records on LF or CRLF', () => {
    assert.deepEqual(parseRecords('a,b\r\n1,2\n3,4'), [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    assert.deepEqual(parseRecords('"x, y","say ""hi""","two\nlines"\n'), [['x, y', 'say "hi"', 'two\nlines']]);
  });

  it('keeps empty fields and ignores a byte order mark', () => {
    assert.deepEqual(parseRecords('\uFEFFa,,c\n'), [['a', '', 'c']]);
  });

  it('refuses a quoted field that never closes, naming its record', () => {
    assert.throws(() => parseRecords('a\n"open,b\n'), /record 2 has a quoted field that is never closed/);
  });
});

describe('csvToObjects', () => {
  it('keys each record by the header, skipping blank lines', () => {
    assert.deepEqual(csvToObjects('name,age\nAda,36\n\nAlan,41\n'), [
      { name: 'Ada', age: '36' },
      { name: 'Alan', age: '41' },
    ]);
  });

  it('gives nothing for empty input and no rows for a header alone', () => {
    assert.deepEqual(csvToObjects(''), []);
    assert.deepEqual(csvToObjects('name,age\n'), []);
  });

  it('names a record whose field count differs from the header, and a header that repeats a name', () => {
    assert.throws(() => csvToObjects('a,b\n1,2\n3\n'), /record 3 has 1 fields; the header has 2/);
    assert.throws(() => csvToObjects('a,a\n1,2\n'), /the header names "a" twice/);
  });
});
