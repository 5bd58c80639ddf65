import { appendFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { API_KEY_NAME, generateApiKey, hashApiKey } from '../access/api-keys';
import { ALL_SERVICE_SCOPES } from '../access/decide';
import { EligoError } from '../errors/eligo-error';
import { purgeDataDir } from '../retention/purge';
import { parsedArgs } from './args';
import { EXIT_OK } from './exit-codes';
import type { CliIo } from './io';

export const API_KEY_USAGE = `Usage: eligo api-key --name <holder> --scope <scope> [--scope ...] [--file <keys.yaml>]

Makes a new API key for ELIGO_API_KEYS_FILE. The key is printed once, on stdout; only its
SHA-256 goes into the file (appended with --file, created 0600 if missing; otherwise the entry
is printed for you to add). Scopes: system/*.rs (screen patients, read reports),
eligo/population (cohort runs), eligo/write-back (write reports to the FHIR server).
`;

export const PURGE_USAGE = `Usage: eligo purge --older-than <days> [--audit-older-than <days>] [--data-dir <dir>] [--dry-run]

Removes stored reports and finished cohort runs under the data folder (ELIGO_DATA_DIR, default
.eligo) last changed more than <days> ago; runs a process holds are left alone. Audit days are
removed only with --audit-older-than. Prints what it removed (or would, with --dry-run).
`;

function wholeDays(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value)) throw new EligoError('ERR_ARGUMENT_INVALID', `${flag} is a whole number of days, not "${value}"`, { where: flag });
  return Number(value);
}

export function apiKeyCommand(argv: string[], io: CliIo): number {
  const { values } = parsedArgs(() =>
    parseArgs({ args: argv, strict: true, options: { name: { type: 'string' }, scope: { type: 'string', multiple: true }, file: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    io.out(API_KEY_USAGE);
    return EXIT_OK;
  }
  const name = values.name;
  if (!name || !API_KEY_NAME.test(name)) throw new EligoError('ERR_ARGUMENT_INVALID', '--name is required: letters, digits, space, _ . @ - (at most 64)', { where: '--name' });
  const scopes = values.scope ?? [];
  if (scopes.length === 0) throw new EligoError('ERR_ARGUMENT_INVALID', `--scope is required (one or more of ${ALL_SERVICE_SCOPES.join(', ')})`, { where: '--scope' });
  const key = generateApiKey();
  const entry = `  - name: ${JSON.stringify(name)}\n    sha256: ${hashApiKey(key)}\n    scopes: [${scopes.map((s) => JSON.stringify(s)).join(', ')}]\n`;
  if (values.file) {
    const fresh = !existsSync(values.file);
    appendFileSync(values.file, `${fresh ? 'keys:\n' : ''}${entry}`, { mode: 0o600 });
    io.err(`added "${name}" to ${values.file}; restart eligo to use it\n`);
  } else {
    io.err(`add this entry under "keys:" in the file ELIGO_API_KEYS_FILE names:\n${entry}`);
  }
  io.out(`${key}\n`);
  return EXIT_OK;
}

export function purgeCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): number {
  const { values } = parsedArgs(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        'older-than': { type: 'string' },
        'audit-older-than': { type: 'string' },
        'data-dir': { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    io.out(PURGE_USAGE);
    return EXIT_OK;
  }
  const olderThanDays = wholeDays(values['older-than'], '--older-than');
  if (olderThanDays === undefined) throw new EligoError('ERR_ARGUMENT_INVALID', '--older-than <days> is required', { where: '--older-than' });
  const auditOlderThanDays = wholeDays(values['audit-older-than'], '--audit-older-than');
  const dataDir = values['data-dir'] ?? env.ELIGO_DATA_DIR ?? '.eligo';
  const result = purgeDataDir({ dataDir, olderThanDays, ...(auditOlderThanDays === undefined ? {} : { auditOlderThanDays }), now: io.now(), dryRun: values['dry-run'] === true });
  const verb = values['dry-run'] ? 'would remove' : 'removed';
  io.out(`${verb} ${result.reports} stored reports, ${result.cohortRuns} cohort runs, ${result.auditDays} audit days from ${dataDir}\n`);
  if (result.runsInUse.length > 0) io.out(`left ${result.runsInUse.length} cohort runs a process holds: ${result.runsInUse.join(', ')}\n`);
  return EXIT_OK;
}
