import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EligoError, isEligoError } from '../errors/eligo-error';
import { clip, MAX_ERROR_TEXT_CHARS } from '../errors/limits';
import { loadCatalogCached as loadCatalog } from '../mapping/catalog-cache';
import { checkScreenOptions, today, trialsFor } from '../usecases/screen';
import { SERVICE_VERSION } from '../version';
import { parsedArgs } from './args';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes';
import { processIo, type CliIo } from './io';
import type { OutputFormat } from './screen-command';

/*
 * Each command's module is required when that command runs, not at start-up: `eligo screen
 * --bundle` then loads the mappings and the engine only, not express, BullMQ, Redis or OpenID
 * clients (hundreds of modules, most of the start-up time). require, not import(): the build
 * is CommonJS, and a native import() of CommonJS goes through the ESM loader (slower, and
 * unavailable under jest's module sandbox). `typeof import()` keeps each call type-checked.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const commands = {
  cohort: () => require('../cohort/cli/cohort-command') as typeof import('../cohort/cli/cohort-command'),
  admin: () => require('./admin-commands') as typeof import('./admin-commands'),
  load: () => require('./load-command') as typeof import('./load-command'),
  worker: () => require('./worker-command') as typeof import('./worker-command'),
  validate: () => require('./validate-command') as typeof import('./validate-command'),
  screenFiles: () => require('./screen-command') as typeof import('./screen-command'),
  screenFhir: () => require('./screen-fhir-command') as typeof import('./screen-fhir-command'),
  config: () => require('../config') as typeof import('../config'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

const USAGE = `Usage: eligo <command> [options]

Commands:
  screen     Screen patients for one or more trials
             --trial <id>              trial id from mappings/trials (e.g. sle-cart); repeatable,
                                       or "all": each patient is read once and screened for each
             --bundle <path>           FHIR Bundle file, NDJSON file, or a folder of them (repeatable)
             --fhir <base-url>         ...or read from a FHIR R4 server (token: ELIGO_FHIR_TOKEN)
             --patient <id>            the patient on that server (repeatable)
             --write-back              write the result back to the server (ResearchStudy,
                                       ResearchSubject, report DocumentReference, Provenance)
             --as-of <YYYY-MM-DD>      screening date (default: today)
             --leukapheresis <date>    planned leukapheresis date (YYYY-MM-DD)
             --anchor <id>=<date>      a date the trial declares in anchors (first dose...) (repeatable)
             --format json|ndjson|text output format (default: json)
  cohort     Screen a population for a trial (by diagnosis, Group, ids or Bulk Data export), with
             a resumable journal and a summary (outcomes, funnel) as JSON, CSV, HTML, MeasureReport:
             eligo cohort --help
  worker     Screen patients of queued cohort runs (BullMQ on Redis): eligo worker --help
  api-key    Make an API key for ELIGO_API_KEYS_FILE (printed once; the file keeps its hash):
             eligo api-key --help
  load       Load FHIR files into any FHIR server (no client ids; idempotent): eligo load --help
  purge      Remove stored reports and cohort runs older than N days (retention): eligo purge --help
  validate   Check every mapping file and report each problem with its file and line;
             --explain <trial> prints each criterion as a person reads it
  trials     List the trials the mappings define

Common options:
  --mappings <dir>   mapping folder (default: the bundled mappings/, or ELIGO_MAPPINGS_DIR)
  --help, --version

Exit codes: 0 screened; 1 run failed (e.g. FHIR server unavailable);
            2 bad arguments, invalid mappings, or input that could not be read.
`;

const OPTIONS = {
  trial: { type: 'string', multiple: true },
  bundle: { type: 'string', multiple: true },
  fhir: { type: 'string' },
  patient: { type: 'string', multiple: true },
  'write-back': { type: 'boolean' },
  'as-of': { type: 'string' },
  leukapheresis: { type: 'string' },
  anchor: { type: 'string', multiple: true },
  format: { type: 'string' },
  mappings: { type: 'string' },
  explain: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function parse(argv: string[]): { command: string | undefined; values: Values; rest: string[] } {
  const { values, positionals } = parsedArgs(() => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  return { command: positionals[0], values, rest: positionals.slice(1) };
}

/** `--anchor first-dose=2026-07-10`, repeatable, to { "first-dose": "2026-07-10" }. */
function anchorDates(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(value);
    if (!match) throw new EligoError('ERR_ARGUMENT_INVALID', `--anchor is <id>=<YYYY-MM-DD>, e.g. first-dose=2026-07-10, not "${value}"`, { where: '--anchor' });
    out[match[1] as string] = match[2] as string;
  }
  return out;
}

function formatOf(value: string | undefined): OutputFormat {
  const format = value ?? 'json';
  if (format !== 'json' && format !== 'ndjson' && format !== 'text') {
    throw new EligoError('ERR_ARGUMENT_INVALID', `--format must be json, ndjson or text, not "${format}"`, { where: '--format' });
  }
  return format;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  // These commands have options of their own.
  if (argv[0] === 'cohort') return commands.cohort().cohortCommand(argv.slice(1), io);
  if (argv[0] === 'api-key') return commands.admin().apiKeyCommand(argv.slice(1), io);
  if (argv[0] === 'purge') return commands.admin().purgeCommand(argv.slice(1), io);
  if (argv[0] === 'load') return commands.load().loadCommand(argv.slice(1), io);
  if (argv[0] === 'worker') {
    const worker = commands.worker();
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(worker.WORKER_USAGE);
      return EXIT_OK;
    }
    if (argv.length > 1) throw new EligoError('ERR_ARGUMENT_INVALID', `eligo worker takes no arguments (configure it with environment variables; see eligo worker --help)`);
    return worker.workerCommand(io);
  }
  const { command, values, rest } = parse(argv);
  if (values.version) {
    io.out(`${SERVICE_VERSION}\n`);
    return EXIT_OK;
  }
  if (values.help || command === undefined || command === 'help') {
    io.out(USAGE);
    return command === undefined && !values.help ? EXIT_USAGE : EXIT_OK;
  }
  if (rest.length > 0) throw new EligoError('ERR_ARGUMENT_INVALID', `unexpected argument "${rest[0] ?? ''}"`);
  switch (command) {
    case 'validate':
      return commands.validate().validateCommand(values.mappings, io, values.explain);
    case 'trials': {
      const catalog = loadCatalog(values.mappings);
      for (const t of catalog.trials.values()) io.out(`${t.id}\t${t.criteria.length} criteria\t${t.def.title}\n`);
      return EXIT_OK;
    }
    case 'screen': {
      const trialIds = values.trial ?? [];
      if (trialIds.length === 0 || trialIds.includes('')) throw new EligoError('ERR_ARGUMENT_INVALID', '--trial is required', { where: '--trial' });
      const format = formatOf(values.format);
      const options = checkScreenOptions({
        asOf: values['as-of'] ?? today(io.now()),
        ...(values.leukapheresis ? { leukapheresisDate: values.leukapheresis } : {}),
        ...(values.anchor ? { anchorDates: anchorDates(values.anchor) } : {}),
      });
      const bundles = values.bundle ?? [];
      if (values.fhir !== undefined) {
        if (bundles.length > 0) throw new EligoError('ERR_ARGUMENT_INVALID', 'give --bundle or --fhir, not both', { where: '--fhir' });
        const patients = values.patient ?? [];
        if (patients.length === 0) throw new EligoError('ERR_ARGUMENT_INVALID', '--patient is required with --fhir', { where: '--patient' });
        const trials = trialsFor(loadCatalog(values.mappings), trialIds);
        return commands.screenFhir().screenFromFhir({ trials, baseUrl: values.fhir, patients, options, format, writeBack: values['write-back'] === true, config: commands.config().loadConfig(process.env) }, io);
      }
      if (values['write-back']) throw new EligoError('ERR_ARGUMENT_INVALID', '--write-back needs --fhir (files have no server to write to)', { where: '--write-back' });
      if (bundles.length === 0) throw new EligoError('ERR_ARGUMENT_INVALID', '--bundle or --fhir is required (FHIR files, or a FHIR server)', { where: '--bundle' });
      const trials = trialsFor(loadCatalog(values.mappings), trialIds);
      return commands.screenFiles().screenFiles({ trials, paths: bundles, options, format }, io);
    }
    default:
      throw new EligoError('ERR_ARGUMENT_INVALID', `unknown command "${command}"; see eligo --help`);
  }
}

/** The CLI entry: never throws; prints a message that says what and where, returns the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (isEligoError(error)) {
      io.err(`eligo: ${clip(error.message, MAX_ERROR_TEXT_CHARS)}\n`);
      return exitCodeFor(error.code);
    }
    io.err(`eligo: unexpected error: ${clip(error instanceof Error ? error.message : String(error), MAX_ERROR_TEXT_CHARS)}\n`);
    return EXIT_FAILED;
  }
}

export { EXIT_USAGE };

// Run from source in a checkout (`npx tsx src/cli/main.ts validate`) as bin/eligo.js runs the build;
// imported (bin/eligo.js, tests), it only exports.
if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
