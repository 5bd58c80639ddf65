/**
 * One screening worker process, exactly as `eligo worker` runs it (configured from the
 * environment); prints "ready <worker id>" once it takes jobs and stops cleanly on SIGTERM.
 */
import { runCli } from '../../../src/cli/main';

runCli(['worker']).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
