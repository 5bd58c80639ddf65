import { fhirPortsFromConfig, type FhirClientConfig } from '../app/fhir-ports';
import type { CompiledTrial } from '../mapping/compile';
import { screenPatientForTrials } from '../usecases/screen-patient';
import type { ScreenOptions } from '../usecases/screen';
import { EXIT_OK } from './exit-codes';
import type { CliIo } from './io';
import { Progress, ReportPrinter, type OutputFormat } from './screen-command';

export interface ScreenFhirArgs {
  /** Each patient is fetched and normalised once, then screened for each of these in turn. */
  trials: readonly CompiledTrial[];
  baseUrl: string;
  patients: string[];
  options: ScreenOptions;
  format: OutputFormat;
  writeBack: boolean;
  /** Timeouts and credentials from the environment (ELIGO_FHIR_TOKEN or Backend Services): a token on the command line would show in the process list. */
  config: FhirClientConfig;
}

/** Screens patients straight from a FHIR server, optionally writing the result back. */
export async function screenFromFhir(args: ScreenFhirArgs, io: CliIo): Promise<number> {
  const ports = fhirPortsFromConfig(args.config, args.baseUrl);
  const printer = new ReportPrinter(args.format, io, args.trials);
  const progress = new Progress(io, `screening ${args.trials.map((t) => t.id).join(', ')} from ${ports.fhir.baseUrl}`);
  try {
    for (const patientId of args.patients) {
      const { results } = await screenPatientForTrials({ source: ports.source, writer: ports.writer }, args.trials, patientId, {
        ...args.options,
        writeBack: args.writeBack,
      });
      for (const { report, written, writeWarnings } of results) {
        printer.print(report);
        if (written) io.err(`eligo: wrote back ${written.length === 0 ? 'nothing (already current)' : written.join(', ')}\n`);
        for (const warning of writeWarnings ?? []) io.err(`eligo: write-back: ${warning}\n`);
      }
      progress.tick();
    }
  } catch (error) {
    printer.abort();
    throw error;
  }
  progress.done();
  printer.finish();
  return EXIT_OK;
}
