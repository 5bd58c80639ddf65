/** Where the CLI writes: injectable so tests run commands in-process and read what they print. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (progress bars only there). */
  errIsTty: boolean;
  now: () => Date;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTty: Boolean(process.stderr.isTTY),
  now: () => new Date(),
};
