import type { Request, Router } from 'express';
import type { Bundle } from '@medplum/fhirtypes';
import { z } from 'zod';
import { accessNote, principalOf } from '../access/authenticate';
import { callerKey } from '../access/principal';
import { secureRouter, type AccessRequest } from '../access/secure-router';
import { Admission } from './admission';
import { EligoError } from '../errors/eligo-error';
import { getTrial, type Catalog } from '../mapping/compile';
import type { ReportStore } from '../report/store';
import { today, trialsFor, type ScreenOptions } from '../usecases/screen';
import type { BundleScreeningPool } from '../workers/bundle-pool';
import { screenPostedBundle, screenPostedBundleForTrials } from '../workers/bundle-screen';
import { screenPatient, screenPatientForTrials, type ScreenPatientResult } from '../usecases/screen-patient';
import type { PatientSource, ReportWriter } from '../usecases/ports';

export interface ApiDeps {
  catalog: Catalog;
  reports: ReportStore;
  /** The configured FHIR server, when there is one. */
  source?: PatientSource;
  writer?: ReportWriter;
  now: () => Date;
  /** Bounds concurrent screenings (503/429 with Retry-After beyond). */
  admission?: Admission;
  /** Largest JSON body of a screen request (bytes). */
  maxBodyBytes?: number;
  /** Screens large posted Bundles off the event loop; without it they are screened in-process. */
  bundlePool?: BundleScreeningPool;
}

/** Bundles up to this size are screened in-process (tens of milliseconds); larger ones on the worker thread. */
const IN_PROCESS_BUNDLE_BYTES = 1024 * 1024;

const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD');

const screenFields = {
  /** Screen this patient on the configured FHIR server... */
  patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id: letters, digits, "-" and ".", at most 64').optional(),
  /** ...or the patient in this posted Bundle. */
  bundle: z.looseObject({ resourceType: z.literal('Bundle') }).optional(),
  asOf: dateText.optional(),
  leukapheresisDate: dateText.optional(),
  /** Dates of the trial's declared anchors (first dose, randomisation), by anchor id. */
  anchors: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'an anchor id'), dateText).optional(),
  writeBack: z.boolean().default(false),
};

const onePatient = (b: { patientId?: string; bundle?: unknown }): boolean => (b.patientId === undefined) !== (b.bundle === undefined);

export const screenRequestSchema = z.object(screenFields).strict().refine(onePatient, { message: 'give exactly one of patientId or bundle' });

/** POST /api/screen: one patient, several trials (default every trial), read and normalised once. */
export const screenTrialsRequestSchema = z
  .object({
    ...screenFields,
    trials: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
  })
  .strict()
  .refine(onePatient, { message: 'give exactly one of patientId or bundle' });

/** Patient ids in URLs are FHIR ids; anything else is refused before it reaches a server. */
const patientIdParam = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id');

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** Largest posted request: a Bundle of one patient's record. Beyond it, 413 before any parsing. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

type ScreenRequest = z.infer<typeof screenRequestSchema>;
type ScreenTrialsRequest = z.infer<typeof screenTrialsRequestSchema>;

/** A request body parsed once: the access decision and the handler see the same parsed value. */
function parsedOnce<T>(req: Request, schema: z.ZodType<T>): T {
  const cache = req as { parsedBodies?: Map<z.ZodType, unknown> };
  cache.parsedBodies ??= new Map();
  if (!cache.parsedBodies.has(schema)) cache.parsedBodies.set(schema, schema.parse(req.body ?? {}));
  return cache.parsedBodies.get(schema) as T;
}

const screenRequest = (req: Request): ScreenRequest => parsedOnce(req, screenRequestSchema);
const screenTrialsRequest = (req: Request): ScreenTrialsRequest => parsedOnce(req, screenTrialsRequestSchema);

/** Who may screen is decided by what is screened: a posted Bundle, or a server patient (read or written back). */
function screenAccess(body: { bundle?: unknown; patientId?: string; writeBack: boolean }): AccessRequest {
  if (body.bundle) return { action: 'bundle.screen' };
  return { action: body.writeBack ? 'patient.write-back' : 'patient.screen', patient: body.patientId as string };
}

function screenOptionsOf(body: { asOf?: string; leukapheresisDate?: string; anchors?: Record<string, string> }, now: () => Date): ScreenOptions {
  return {
    asOf: body.asOf ?? today(now()),
    ...(body.leukapheresisDate ? { leukapheresisDate: body.leukapheresisDate } : {}),
    ...(body.anchors ? { anchorDates: body.anchors } : {}),
  };
}

/** A report as the API answers it: with what write-back wrote, when it wrote. */
function answerOf(result: ScreenPatientResult): unknown {
  return result.written ? { ...result.report, written: result.written, ...(result.writeWarnings ? { writeWarnings: result.writeWarnings } : {}) } : result.report;
}

/**
 * The JSON API: the same use cases as the CLI. Every route names what it does (see
 * src/access/decide.ts for who may); errors reach the one OperationOutcome handler.
 */
export function createApiRouter(deps: ApiDeps): Router {
  const admission = deps.admission ?? new Admission();
  return secureRouter([
    {
      method: 'get',
      path: '/trials',
      access: 'trials.read',
      handler: (_req, res) => {
        res.json([...deps.catalog.trials.values()].map((t) => ({ id: t.id, title: t.def.title, version: t.def.version, criteria: t.criteria.length })));
      },
    },
    {
      method: 'get',
      path: '/trials/:trialId',
      access: 'trials.read',
      handler: (req, res) => {
        const trial = getTrial(deps.catalog, param(req, 'trialId'));
        res.json({
          id: trial.id,
          title: trial.def.title,
          version: trial.def.version,
          description: trial.def.description,
          criteria: trial.criteria.map((c) => ({ id: c.id, type: c.type, text: c.text, manual: c.manual })),
        });
      },
    },
    {
      method: 'post',
      path: '/trials/:trialId/screen',
      bodyLimit: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      access: (req) => screenAccess(screenRequest(req)),
      handler: (req, res) => admission.run(callerKey(principalOf(res)), async () => {
        const trial = getTrial(deps.catalog, param(req, 'trialId'));
        const body = screenRequest(req);
        const options = screenOptionsOf(body, deps.now);
        if (body.bundle) {
          const bundle = body.bundle as unknown as Bundle;
          const large = Number(req.headers['content-length'] ?? Number.POSITIVE_INFINITY) > IN_PROCESS_BUNDLE_BYTES;
          // Not stored: the Bundle's Patient id is the caller's word, and a stored report is read as a
          // server patient's (it would let anyone overwrite another patient's report).
          res.json(large && deps.bundlePool ? await deps.bundlePool.screen(trial.id, bundle, options) : screenPostedBundle(trial, bundle, options));
          return;
        }
        if (!deps.source) throw new EligoError('ERR_ARGUMENT_INVALID', 'no FHIR server is configured; post a bundle instead', { where: 'patientId' });
        const result = await screenPatient({ source: deps.source, reports: deps.reports, ...(deps.writer ? { writer: deps.writer } : {}) }, trial, body.patientId as string, {
          ...options,
          writeBack: body.writeBack,
        });
        res.json(answerOf(result));
      }),
    },
    {
      method: 'post',
      path: '/screen',
      bodyLimit: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      access: (req) => screenAccess(screenTrialsRequest(req)),
      handler: (req, res) => admission.run(callerKey(principalOf(res)), async () => {
        const body = screenTrialsRequest(req);
        const trials = trialsFor(deps.catalog, body.trials ?? ['all']);
        // The audit trail names what was screened; this route has no :trialId to take it from.
        accessNote(res).trial = trials.map((t) => t.id).join(',');
        const options = screenOptionsOf(body, deps.now);
        if (body.bundle) {
          const bundle = body.bundle as unknown as Bundle;
          const large = Number(req.headers['content-length'] ?? Number.POSITIVE_INFINITY) > IN_PROCESS_BUNDLE_BYTES;
          // As on the one-trial route: large Bundles on the worker thread, off the event loop.
          const reports = large && deps.bundlePool ? await deps.bundlePool.screenForTrials(trials.map((t) => t.id), bundle, options) : screenPostedBundleForTrials(trials, bundle, options);
          res.json({ reports });
          return;
        }
        if (!deps.source) throw new EligoError('ERR_ARGUMENT_INVALID', 'no FHIR server is configured; post a bundle instead', { where: 'patientId' });
        const { results } = await screenPatientForTrials({ source: deps.source, reports: deps.reports, ...(deps.writer ? { writer: deps.writer } : {}) }, trials, body.patientId as string, {
          ...options,
          writeBack: body.writeBack,
        });
        res.json({ reports: results.map(answerOf) });
      }),
    },
    {
      method: 'get',
      path: '/trials/:trialId/reports/:patientId',
      access: (req) => ({ action: 'report.read', patient: patientIdParam.parse(param(req, 'patientId')) }),
      handler: async (req, res) => {
        const trial = getTrial(deps.catalog, param(req, 'trialId'));
        const patientId = patientIdParam.parse(param(req, 'patientId'));
        const report = await deps.reports.get(trial.id, `Patient/${patientId}`);
        if (!report) throw new EligoError('ERR_NOT_FOUND', `no report for this patient and trial ${trial.id} yet; screen first`);
        res.json(report);
      },
    },
  ]);
}
