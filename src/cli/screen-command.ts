import { inputErrorLines, readPatientBundles, screeningTypesFor } from '../input';
import type { Catalog, CompiledTrial } from '../mapping/compile';
import { renderText } from '../report/text';
import type { EligibilityReport } from '../report/types';
import { screenResourcesForTrials, type ScreenOptions } from '../usecases/screen';
import { EXIT_OK, EXIT_USAGE } from './exit-codes';
import type { CliIo } from './io';

export type OutputFormat = 'json' | 'ndjson' | 'text';

export interface ScreenFilesArgs {
  /** Each patient is read and normalised once, then screened for each of these in turn. */
  trials: readonly CompiledTrial[];
  paths: string[];
  options: ScreenOptions;
  format: OutputFormat;
}

/**
 * Prints reports as they are produced. "json" prints one report as an object and several as an
 * array, so it holds only the first until a second shows which; then it streams the array in
 * exactly the bytes JSON.stringify(all, null, 2) would give, holding no report after it is printed.
 */
export class ReportPrinter {
  private first: EligibilityReport | undefined;
  private streaming = false;
  private readonly trials: ReadonlyMap<string, CompiledTrial>;

  constructor(
    private readonly format: OutputFormat,
    private readonly io: CliIo,
    trials: CompiledTrial | readonly CompiledTrial[],
  ) {
    // Text names each criterion by its trial's wording, so a report of several trials finds its own.
    this.trials = new Map((Array.isArray(trials) ? trials : [trials]).map((t: CompiledTrial) => [t.id, t]));
  }

  print(report: EligibilityReport): void {
    switch (this.format) {
      case 'ndjson':
        this.io.out(`${JSON.stringify(report)}\n`);
        return;
      case 'text':
        this.io.out(`${renderText(report, (id) => this.trials.get(report.trial)?.byId.get(id)?.text)}\n\n`);
        return;
      case 'json':
        if (!this.streaming && this.first === undefined) {
          this.first = report;
          return;
        }
        if (this.first !== undefined) {
          this.io.out(`[\n  ${asArrayItem(this.first)}`);
          this.first = undefined;
          this.streaming = true;
        }
        this.io.out(`,\n  ${asArrayItem(report)}`);
        return;
    }
  }

  finish(): void {
    if (this.format !== 'json') return;
    if (this.streaming) this.io.out('\n]\n');
    else if (this.first !== undefined) this.io.out(`${JSON.stringify(this.first, null, 2)}\n`);
    this.first = undefined;
    this.streaming = false;
  }

  /**
   * A run that stops part-way: an array already begun is closed, so what was printed stays
   * valid JSON; a report still held is dropped, as before streaming (the exit code says it failed).
   */
  abort(): void {
    if (this.format === 'json' && this.streaming) this.io.out('\n]\n');
    this.first = undefined;
    this.streaming = false;
  }
}

/** A report as JSON.stringify(array, null, 2) lays out an item: one level deeper. Strings never hold a raw newline in JSON, so every newline is layout. */
function asArrayItem(report: EligibilityReport): string {
  return JSON.stringify(report, null, 2).replace(/\n/g, '\n  ');
}

/** Progress on a terminal only, so piped output and logs stay clean. */
export class Progress {
  private count = 0;
  private readonly started: number;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
  ) {
    this.started = io.now().getTime();
  }

  tick(): void {
    this.count += 1;
    if (this.io.errIsTty && this.count % 25 === 0) this.io.err(`\r${this.label}: ${this.count} patients (${this.rate()}/s)`);
  }

  done(): void {
    if (this.io.errIsTty && this.count >= 25) this.io.err(`\r${this.label}: ${this.count} patients (${this.rate()}/s)\n`);
  }

  private rate(): string {
    const seconds = Math.max((this.io.now().getTime() - this.started) / 1000, 0.001);
    return (this.count / seconds).toFixed(0);
  }
}

export async function screenFiles(args: ScreenFilesArgs, io: CliIo): Promise<number> {
  // Only what the trials read: hundreds of Encounters per patient are parsed but not kept when none of them reads stays.
  const reader = readPatientBundles(args.paths, { resourceTypes: screeningTypesFor(args.trials) });
  const printer = new ReportPrinter(args.format, io, args.trials);
  const progress = new Progress(io, `screening ${args.trials.map((t) => t.id).join(', ')}`);
  let screened = 0;
  try {
    for await (const group of reader) {
      for (const report of screenResourcesForTrials(args.trials, group, args.options)) printer.print(report);
      screened += 1;
      progress.tick();
    }
  } catch (error) {
    printer.abort();
    throw error;
  }
  progress.done();
  printer.finish();
  // Capped: a file of junk entries would otherwise print a line for each (hundreds of MB).
  for (const line of inputErrorLines(reader.errors)) io.err(`eligo: ${line}\n`);
  if (screened === 0) {
    io.err(`eligo: no patient found in ${args.paths.join(', ')}\n`);
    return EXIT_USAGE;
  }
  return reader.errors.length > 0 ? EXIT_USAGE : EXIT_OK;
}

export function trialOrNull(catalog: Catalog, id: string): CompiledTrial | undefined {
  return catalog.trials.get(id);
}
