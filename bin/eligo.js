#!/usr/bin/env node
'use strict';
// The CLI ships compiled: `npm ci` runs `prepare`, which builds dist/.
require('../dist/cli/main.js').runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
