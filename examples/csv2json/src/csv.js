'use strict';

/**
 * CSV as RFC 4180 describes it: fields separated by commas, records by LF or CRLF; a field in double quotes may hold
 * commas, line breaks and quotes written twice. A byte order mark at the start is ignored.
 */

/** Every record of `text` as an array of its fields (strings). Throws on a quoted field that never closes. */
function parseRecords(text) {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  let quotedFrom = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (input[i + 1] === '"') field += input[++i];
      else quoted = false;
    } else if (c === '"' && field === '') {
      quoted = true;
      quotedFrom = records.length + 1;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (quoted) throw new Error(`record ${quotedFrom} has a quoted field that is never closed`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/**
 * One object per data record, keyed by the names of the header record. Blank lines are skipped; a record with more
 * or fewer fields than the header is an error naming it.
 */
function csvToObjects(text) {
  const [header, ...rows] = parseRecords(text).filter((r) => !(r.length === 1 && r[0] === ''));
  if (!header) return [];
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined) throw new Error(`the header names "${duplicate}" twice`);
  return rows.map((row, n) => {
    if (row.length !== header.length) {
      throw new Error(`record ${n + 2} has ${row.length} fields; the header has ${header.length}`);
    }
    return Object.fromEntries(header.map((name, i) => [name, row[i]]));
  });
}

module.exports = { parseRecords, csvToObjects };
