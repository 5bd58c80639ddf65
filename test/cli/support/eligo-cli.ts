// The CLI as a process of its own, run from source (tsx): what bin/eligo.js runs from dist/.
import { runCli } from '../../../src/cli/main';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
