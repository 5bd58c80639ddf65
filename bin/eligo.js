#!/usr/bin/env node
'use strict';
// The CLI ships compiled: `npm install` runs `prepare`, which builds dist/.
// A closed pipe (`eligo ... | head`) ends the run quietly instead of crashing.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
// Cohort runs and workers screen for hours: keep V8's heap growth bounded (src/app/heap-growth.ts).
require('../dist/app/heap-growth.js').boundHeapGrowth();
require('../dist/cli/main.js').runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
