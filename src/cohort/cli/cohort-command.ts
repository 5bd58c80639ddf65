import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ZodError } from 'zod';
import { createCohortRuntime } from '../../app/cohort';
import { startEmbeddedFhir } from '../../app/start';
import { fhirPortsFromConfig } from '../../app/fhir-ports';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeFor } from '../../cli/exit-codes';
import type { CliIo } from '../../cli/io';
import { loadConfig, seedPaths } from '../../config';
import { EligoError, isEligoError, type EligoErrorCode } from '../../errors/eligo-error';
import { loadCatalog } from '../../mapping/compile';
import { connectRedis, type Redis } from '../queue';
import { loadCohortConfig } from '../schedule/config';
import { buildMeasureReport } from '../render/measure-report';
import { renderCsv } from '../render/csv';
import { renderHtml } from '../render/html';
import type { CohortRunResult } from '../run/run-cohort';
import type { CohortSummary } from '../summary/types';
import type { Selection } from '../definition';
import { cohortProgressBar } from './progress-bar';

export const COHORT_USAGE = `Usage: eligo cohort --trial <id> [options]

Screens a cohort selected on a FHIR server, journaling every patient so a run that stops can be
resumed with the same --run-id, and prints the summary (counts per outcome, screening funnel, new
candidates since the last run of the same cohort).

  --trial <id>              trial id (e.g. sle-cart)
  --fhir <base-url>         FHIR R4 server (token: ELIGO_FHIR_TOKEN); without it an embedded server
                            is started with the examples and Synthea samples (ELIGO_SEED to change)
  --by-diagnosis            patients with a Condition in the trial's candidate value sets (default)
  --group <id>              the active members of a Group
  --patients <a,b,c>        these patient ids (repeatable)
  --export                  everyone in a Bulk Data $export (with --group: the Group's members),
                            screened from the NDJSON files; on a server without $export, the same
                            patients by searches. Auth: ELIGO_BULK_CLIENT_ID and
                            ELIGO_BULK_PRIVATE_KEY_FILE (SMART Backend Services) or ELIGO_FHIR_TOKEN
  --as-of <YYYY-MM-DD>      screening date (default: today; a resumed run keeps its own)
  --leukapheresis <date>    planned leukapheresis date
  --write-back              write each result back to the server
  --measure-report          write the summary MeasureReport to the server
  --run-id <id>             resume this run (or name a new one)
  --concurrency <n>         patients screened at once (default 4, or ELIGO_COHORT_CONCURRENCY;
                            with --queue, patients handed to the workers at once, default 32)
  --queue <redis-url>       let \`eligo worker\` processes screen the patients (BullMQ on Redis,
                            queue ELIGO_QUEUE_NAME); this process selects, journals and summarises
  --data-dir <dir>          where runs are kept (default ELIGO_DATA_DIR or .eligo)
  --out <dir>               also write summary.json, summary.csv, summary.html, measure-report.json there
  --format json|csv|html|measure-report   what to print on stdout (default json)
  --mappings <dir>          mapping folder

Exit codes: 0 every candidate screened; 1 some candidates failed, or the run was cancelled or
failed (resume with --run-id); 2 bad arguments or configuration.
`;

const OPTIONS = {
  trial: { type: 'string' },
  fhir: { type: 'string' },
  'by-diagnosis': { type: 'boolean' },
  group: { type: 'string' },
  export: { type: 'boolean' },
  patients: { type: 'string', multiple: true },
  'as-of': { type: 'string' },
  leukapheresis: { type: 'string' },
  'write-back': { type: 'boolean' },
  'measure-report': { type: 'boolean' },
  'run-id': { type: 'string' },
  concurrency: { type: 'string' },
  queue: { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  mappings: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Format = 'json' | 'csv' | 'html' | 'measure-report';

export interface CohortCommandEnv {
  /** Environment variables read (ELIGO_FHIR_TOKEN, ELIGO_DATA_DIR, ELIGO_SEED, ELIGO_COHORT_CONCURRENCY). */
  env?: NodeJS.ProcessEnv;
  /** Cancels the run. Without one, Ctrl-C (SIGINT) cancels it while it runs. */
  signal?: AbortSignal;
}

/**
 * `eligo cohort ...`: argv after the command word. Never throws; returns the exit code and
 * prints what went wrong and where.
 */
export async function cohortCommand(argv: string[], io: CliIo, options: CohortCommandEnv = {}): Promise<number> {
  try {
    return await run(argv[0] === 'cohort' ? argv.slice(1) : argv, io, options);
  } catch (error) {
    if (error instanceof ZodError) {
      const first = error.issues[0];
      io.err(`eligo: ${first?.path.map(String).join('.') ?? 'argument'}: ${first?.message ?? 'invalid'}\n`);
      return EXIT_USAGE;
    }
    io.err(`eligo: ${isEligoError(error) ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return isEligoError(error) ? exitCodeFor(error.code) : EXIT_FAILED;
  }
}

async function run(argv: string[], io: CliIo, options: CohortCommandEnv): Promise<number> {
  const env = options.env ?? process.env;
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(COHORT_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw usage(`unexpected argument "${positionals[0] ?? ''}"`);
  if (!values.trial) throw usage('--trial is required');
  const format = formatOf(values.format);
  const select = selectionOf(values);
  const concurrency = positiveInt(values.concurrency, '--concurrency');
  const config = loadConfig(env);
  const catalog = loadCatalog(values.mappings ?? config.ELIGO_MAPPINGS_DIR);
  const cohortConfig = loadCohortConfig(env, new Set(catalog.trials.keys()));

  if (values.queue !== undefined && !values.fhir) throw usage('--queue needs --fhir: the workers read patients from that server');
  const redis: Redis | undefined = values.queue === undefined ? undefined : connectRedis(values.queue, 'eligo-cohort');
  const embedded = values.fhir ? undefined : await startEmbeddedFhir(seedPaths(config.ELIGO_SEED));
  try {
    const fhirBaseUrl = values.fhir ?? (embedded as NonNullable<typeof embedded>).baseUrl;
    const runConfig = { ...config, ELIGO_WRITE_BACK: true };
    const ports = fhirPortsFromConfig(config, fhirBaseUrl, { open: !values.fhir });
    // --write-back on the command line is the user's explicit ask, so the writer is always there; the run's definition decides.
    const { service } = createCohortRuntime(
      {
        config: runConfig,
        cohortConfig,
        catalog,
        ports,
        now: io.now,
        ...(concurrency || redis ? { concurrency: concurrency ?? 32 } : {}),
        ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
        ...(redis ? { queue: { redis, ...(config.ELIGO_QUEUE_NAME ? { queueName: config.ELIGO_QUEUE_NAME } : {}) } } : {}),
      },
      { schedule: false },
    );
    const bar = cohortProgressBar(io);
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    // Ctrl-C stops taking patients; those in flight finish and are journaled. A second Ctrl-C kills.
    const interrupt = (): void => {
      io.err('\neligo: stopping after the patients in flight; resume with the same --run-id\n');
      controller.abort();
    };
    if (!options.signal) process.once('SIGINT', interrupt);
    let result: CohortRunResult;
    try {
      result = await service.run(
        {
          trial: values.trial,
          ...(select ? { select } : {}),
          ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
          ...(values.leukapheresis ? { leukapheresisDate: values.leukapheresis } : {}),
          ...(values['write-back'] ? { writeBack: true } : {}),
          ...(values['measure-report'] ? { writeMeasureReport: true } : {}),
          ...(values['run-id'] ? { runId: values['run-id'] } : {}),
        },
        { onProgress: (p) => bar.update(p), signal: controller.signal },
      );
    } finally {
      process.removeListener('SIGINT', interrupt);
      bar.stop();
    }
    return report(result, format, values.out, io);
  } finally {
    await embedded?.close();
    await redis?.quit();
  }
}

function report(result: CohortRunResult, format: Format, out: string | undefined, io: CliIo): number {
  const p = result.progress;
  const counts = `${p.screened} screened (eligible ${p.byOutcome.eligible}, potential candidate ${p.byOutcome['potential-candidate']}, ineligible ${p.byOutcome.ineligible}), ${p.failed} failed`;
  if (!result.summary) {
    const why = p.error ? `: ${p.error.code}: ${p.error.message}` : '';
    io.err(`eligo: cohort run ${p.runId} ${p.status}${why}; so far ${counts}. Resume with --run-id ${p.runId}\n`);
    return p.error ? exitCodeFor(p.error.code as EligoErrorCode) : EXIT_FAILED;
  }
  const summary = result.summary;
  if (out) writeOutputs(summary, out);
  io.out(render(summary, format));
  const fresh = summary.newCandidates.comparedWith === null ? 'no earlier run to compare with' : `${summary.newCandidates.patients.length} new candidates since ${summary.newCandidates.comparedWith}`;
  io.err(`eligo: cohort run ${p.runId}: ${counts}; ${fresh}. Journal: ${path.join(result.dir, 'journal.jsonl')}\n`);
  for (const f of summary.failures.slice(0, 20)) io.err(`eligo: Patient/${f.patientId}: ${f.code}: ${f.reason}\n`);
  if (summary.failures.length > 20) io.err(`eligo: ... and ${summary.failures.length - 20} more failures (see the summary)\n`);
  return summary.counts.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

function render(summary: CohortSummary, format: Format): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(summary, null, 2)}\n`;
    case 'csv':
      return renderCsv(summary);
    case 'html':
      return renderHtml(summary);
    case 'measure-report':
      return `${JSON.stringify(buildMeasureReport(summary), null, 2)}\n`;
  }
}

function writeOutputs(summary: CohortSummary, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'summary.json'), render(summary, 'json'));
  writeFileSync(path.join(dir, 'summary.csv'), render(summary, 'csv'));
  writeFileSync(path.join(dir, 'summary.html'), render(summary, 'html'));
  writeFileSync(path.join(dir, 'measure-report.json'), render(summary, 'measure-report'));
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function parse(argv: string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
}

function selectionOf(values: Values): Selection | undefined {
  const patients = (values.patients ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  const chosen = [values['by-diagnosis'] ? 'by-diagnosis' : '', values.group !== undefined ? 'group' : '', values.patients ? 'patients' : ''].filter(Boolean);
  if (values.export) {
    if (values['by-diagnosis'] || values.patients) throw usage('--export selects everyone exported (or the --group); it does not combine with --by-diagnosis or --patients');
    return values.group !== undefined ? { by: 'export', group: values.group } : { by: 'export' };
  }
  if (chosen.length > 1) throw usage(`give one of --by-diagnosis, --group or --patients, not ${chosen.map((c) => `--${c}`).join(' and ')}`);
  if (values.group !== undefined) return { by: 'group', group: values.group };
  if (values.patients) {
    if (patients.length === 0) throw usage('--patients needs at least one id');
    return { by: 'patients', patients };
  }
  // Without a choice a resumed run keeps its own selection; a new run selects by diagnosis.
  return values['by-diagnosis'] ? { by: 'diagnosis' } : undefined;
}

function formatOf(value: string | undefined): Format {
  const format = value ?? 'json';
  if (format !== 'json' && format !== 'csv' && format !== 'html' && format !== 'measure-report') {
    throw usage(`--format must be json, csv, html or measure-report, not "${format}"`);
  }
  return format;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw usage(`${flag} must be a whole number from 1 to 64`);
  return n;
}

function usage(message: string): EligoError {
  return new EligoError('ERR_ARGUMENT_INVALID', message, { where: 'argv' });
}
