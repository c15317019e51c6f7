#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).
require('../dist/cli/main.js').runCli();
