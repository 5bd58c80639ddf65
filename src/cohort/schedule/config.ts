import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EligoError } from '../../errors/eligo-error';
import { parseConfig, readConfiguredFile } from '../../errors/parse-config';
import { serverSelectionSchema } from '../definition';

import { envBool } from '../../config';

const cronSchema = z.string().superRefine((pattern, ctx) => {
  try {
    new Cron(pattern, { paused: true }).stop();
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `"${pattern}" is not a cron expression (${error instanceof Error ? error.message : String(error)})` });
  }
});

const timezoneSchema = z.string().superRefine((tz, ctx) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${tz}" is not an IANA time zone (e.g. Europe/Paris, UTC)` });
  }
});

/** One scheduled cohort query. */
export const scheduleEntrySchema = z
  .object({
    cron: cronSchema,
    trial: z.string().min(1),
    select: serverSelectionSchema.default({ by: 'diagnosis' }),
    writeBack: z.boolean().default(false),
    writeMeasureReport: z.boolean().default(false),
    /** Leukapheresis planned this many days after each run's as-of date (the washout windows count back from it). */
    leukapheresisInDays: z.number().int().min(0).max(365).optional(),
    /** Overrides the file's or ELIGO_COHORT_TIMEZONE for this entry. */
    timezone: timezoneSchema.optional(),
  })
  .strict();
export type ScheduleEntry = z.infer<typeof scheduleEntrySchema>;

/** The ELIGO_COHORT_CONFIG file (YAML or JSON). */
export const cohortConfigFileSchema = z
  .object({
    timezone: timezoneSchema.optional(),
    schedules: z.array(scheduleEntrySchema).default([]),
  })
  .strict();

export const cohortEnvSchema = z.object({
  /** `cron|trial[|option...]` entries separated by `;` (see parseScheduleString). */
  ELIGO_COHORT_SCHEDULE: z.string().optional(),
  /** A YAML or JSON file of schedules (cohortConfigFileSchema). */
  ELIGO_COHORT_CONFIG: z.string().min(1).optional(),
  ELIGO_COHORT_TIMEZONE: timezoneSchema.optional(),
  ELIGO_COHORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** How ICD prefixes are searched: ask the server (auto), always `code:below`, or explicit codes. */
  ELIGO_COHORT_PREFIX_SEARCH: z.enum(['auto', 'below', 'codes']).default('auto'),
  /** Also search Conditions recorded only as text (`code:text`) for the value sets' names. */
  ELIGO_COHORT_TEXT_SEARCH: envBool.default(true),
  /** Resume runs a crash left unfinished when the service starts. */
  ELIGO_COHORT_RESUME: envBool.default(true),
});

export interface CohortConfig {
  schedules: (ScheduleEntry & { timezone?: string })[];
  concurrency: number;
  prefixSearch: 'auto' | 'below' | 'codes';
  textSearch: boolean;
  resumeOnStart: boolean;
}

/**
 * Cohort configuration from the environment, checked at start-up like src/config.ts: a bad
 * value is ERR_CONFIG_INVALID naming the variable (and the entry). Trial ids are checked against
 * `knownTrials` when given.
 */
export function loadCohortConfig(env: NodeJS.ProcessEnv = process.env, knownTrials?: ReadonlySet<string>): CohortConfig {
  const vars = parseConfig(cohortEnvSchema, env, 'configuration', 'environment');
  const schedules: CohortConfig['schedules'] = [];
  if (vars.ELIGO_COHORT_SCHEDULE?.trim()) {
    const entries = parseScheduleString(vars.ELIGO_COHORT_SCHEDULE);
    const checked = z.array(scheduleEntrySchema).safeParse(entries);
    if (!checked.success) throw configError(checked.error.issues, (path) => `ELIGO_COHORT_SCHEDULE entry ${Number(path[0] ?? 0) + 1} ${path.slice(1).map(String).join('.')}`.trim());
    checkTrials(checked.data, knownTrials, (i) => `ELIGO_COHORT_SCHEDULE entry ${i + 1}`, 'ELIGO_COHORT_SCHEDULE');
    schedules.push(...checked.data.map((s) => withZone(s, vars.ELIGO_COHORT_TIMEZONE)));
  }
  if (vars.ELIGO_COHORT_CONFIG) {
    const file = readConfigFile(vars.ELIGO_COHORT_CONFIG);
    const checked = cohortConfigFileSchema.safeParse(file);
    if (!checked.success) throw configError(checked.error.issues, (path) => `ELIGO_COHORT_CONFIG (${vars.ELIGO_COHORT_CONFIG ?? ''}) ${path.map(String).join('.')}`.trim());
    checkTrials(checked.data.schedules, knownTrials, (i) => `ELIGO_COHORT_CONFIG (${vars.ELIGO_COHORT_CONFIG ?? ''}) schedules.${i}`, 'ELIGO_COHORT_CONFIG');
    schedules.push(...checked.data.schedules.map((s) => withZone(s, checked.data.timezone ?? vars.ELIGO_COHORT_TIMEZONE)));
  }
  return {
    schedules,
    concurrency: vars.ELIGO_COHORT_CONCURRENCY,
    prefixSearch: vars.ELIGO_COHORT_PREFIX_SEARCH,
    textSearch: vars.ELIGO_COHORT_TEXT_SEARCH,
    resumeOnStart: vars.ELIGO_COHORT_RESUME,
  };
}

function checkTrials(entries: readonly ScheduleEntry[], knownTrials: ReadonlySet<string> | undefined, label: (index: number) => string, variable: string): void {
  if (!knownTrials) return;
  for (const [i, entry] of entries.entries()) {
    if (!knownTrials.has(entry.trial)) {
      throw new EligoError('ERR_CONFIG_INVALID', `invalid configuration: ${label(i)}: unknown trial "${entry.trial}" (known: ${[...knownTrials].join(', ')})`, { where: variable });
    }
  }
}

function withZone(entry: ScheduleEntry, fallback: string | undefined): ScheduleEntry {
  return entry.timezone || !fallback ? entry : { ...entry, timezone: fallback };
}

/**
 * `0 2 * * *|sle-cart;0 3 * * 1|ssc-cart|group=ssc-registry|measure-report`: entries split by
 * `;`, fields by `|`: the cron expression, the trial, then options: `diagnosis` (the default),
 * `group=<id>`, `patients=<id>,<id>`, `export` or `export=<group id>` (Bulk Data), `write-back`, `measure-report`, `leukapheresis-in=<days>`.
 * Returns raw entries for scheduleEntrySchema to check.
 */
export function parseScheduleString(text: string): unknown[] {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part, i) => {
      const [cron = '', trial = '', ...options] = part.split('|').map((f) => f.trim());
      const entry: Record<string, unknown> = { cron, trial };
      for (const option of options) {
        const [name = '', value = ''] = option.split('=', 2).map((s) => s.trim());
        if (name === 'diagnosis' && value === '') entry.select = { by: 'diagnosis' };
        else if (name === 'group' && value) entry.select = { by: 'group', group: value };
        else if (name === 'export') entry.select = value ? { by: 'export', group: value } : { by: 'export' };
        else if (name === 'patients' && value) entry.select = { by: 'patients', patients: value.split(',').map((p) => p.trim()).filter(Boolean) };
        else if (name === 'write-back' && value === '') entry.writeBack = true;
        else if (name === 'measure-report' && value === '') entry.writeMeasureReport = true;
        else if (name === 'leukapheresis-in' && /^\d+$/.test(value)) entry.leukapheresisInDays = Number(value);
        else {
          throw new EligoError('ERR_CONFIG_INVALID', `invalid configuration: ELIGO_COHORT_SCHEDULE entry ${i + 1}: unknown option "${option}"`, {
            where: 'ELIGO_COHORT_SCHEDULE',
          });
        }
      }
      return entry;
    });
}

function readConfigFile(file: string): unknown {
  const text = readConfiguredFile('ELIGO_COHORT_CONFIG', file);
  try {
    // YAML is a superset of JSON: one parser for both.
    return parseYaml(text) as unknown;
  } catch (error) {
    throw new EligoError('ERR_CONFIG_INVALID', `invalid configuration: ELIGO_COHORT_CONFIG: ${file} is not YAML or JSON (${error instanceof Error ? error.message : String(error)})`, {
      where: 'ELIGO_COHORT_CONFIG',
    });
  }
}

function configError(issues: readonly z.core.$ZodIssue[], where: (path: readonly PropertyKey[]) => string): EligoError {
  const lines = issues.map((i) => `${where(i.path)}: ${i.message}`);
  return new EligoError('ERR_CONFIG_INVALID', `invalid configuration:\n${lines.join('\n')}`, { where: where(issues[0]?.path ?? []).split(' ')[0] ?? '' });
}

