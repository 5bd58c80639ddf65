import { runCli } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with a frozen clock, capturing what it prints. */
export async function cli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    errIsTty: false,
    now: () => new Date('2026-06-15T09:00:00Z'),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
