'use strict';
// Preloaded with `node -r`: at exit, writes every module the process required (require.cache
// keys) to the file RECORD_MODULES_TO names, one path a line, for tests of what a command loads.
const { writeFileSync } = require('node:fs');

const target = process.env.RECORD_MODULES_TO;
if (target) {
  process.on('exit', () => {
    writeFileSync(target, `${Object.keys(require.cache).join('\n')}\n`);
  });
}
