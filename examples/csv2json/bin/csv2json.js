#!/usr/bin/env node
'use strict';
const { readFileSync } = require('node:fs');
const { csvToObjects } = require('../src/csv');

const USAGE = 'usage: csv2json [--pretty] [FILE.csv]   (reads standard input when no file is given)';

/** Converts one CSV file (or standard input) to a JSON array of objects; returns the exit code. */
function main(args) {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const pretty = args.includes('--pretty');
  const rest = args.filter((a) => a !== '--pretty');
  const unknown = rest.find((a) => a.startsWith('-') && a !== '-');
  if (unknown || rest.length > 1) {
    const problem = unknown ? `unknown option ${unknown}` : `one file at a time, got ${rest.length}`;
    process.stderr.write(`csv2json: ${problem}\n${USAGE}\n`);
    return 2;
  }
  const file = rest[0] && rest[0] !== '-' ? rest[0] : undefined;
  let text;
  try {
    text = readFileSync(file ?? 0, 'utf8');
  } catch (err) {
    process.stderr.write(`csv2json: cannot read ${file ?? 'standard input'}: ${err.message}\n`);
    return 2;
  }
  try {
    process.stdout.write(`${JSON.stringify(csvToObjects(text), null, pretty ? 2 : undefined)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`csv2json: ${file ?? 'standard input'}: ${err.message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
