import { STRICT_ROUTING } from './routing';
import express, { type Request, type Router } from 'express';
import type { Bundle } from '@medplum/fhirtypes';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { groupResourcesByPatient } from '../input';
import { getTrial, type Catalog } from '../mapping/compile';
import type { ReportStore } from '../report/store';
import { screenResources, today } from '../usecases/screen';
import { screenPatient } from '../usecases/screen-patient';
import type { PatientSource, ReportWriter } from '../usecases/ports';
import { SCREENING_RESOURCE_TYPES } from '../input';

export interface ApiDeps {
  catalog: Catalog;
  reports: ReportStore;
  /** The configured FHIR server, when there is one. */
  source?: PatientSource;
  writer?: ReportWriter;
  now: () => Date;
}

const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD');

export const screenRequestSchema = z
  .object({
    /** Screen this patient on the configured FHIR server... */
    patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id: letters, digits, "-" and ".", at most 64').optional(),
    /** ...or the patient in this posted Bundle. */
    bundle: z.looseObject({ resourceType: z.literal('Bundle') }).optional(),
    asOf: dateText.optional(),
    leukapheresisDate: dateText.optional(),
    writeBack: z.boolean().default(false),
  })
  .strict()
  .refine((b) => (b.patientId === undefined) !== (b.bundle === undefined), { message: 'give exactly one of patientId or bundle' });

/** Patient ids in URLs are FHIR ids; anything else is refused before it reaches a server. */
const patientIdParam = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id');

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** The JSON API: the same use cases as the CLI. Errors reach the one OperationOutcome handler. */
export function createApiRouter(deps: ApiDeps): Router {
  const router = express.Router(STRICT_ROUTING);
  router.use(express.json({ limit: '50mb', type: ['application/json', 'application/fhir+json'] }));

  router.get('/trials', (_req, res) => {
    res.json(
      [...deps.catalog.trials.values()].map((t) => ({ id: t.id, title: t.def.title, version: t.def.version, criteria: t.criteria.length })),
    );
  });

  router.get('/trials/:trialId', (req, res) => {
    const trial = getTrial(deps.catalog, param(req, 'trialId'));
    res.json({
      id: trial.id,
      title: trial.def.title,
      version: trial.def.version,
      description: trial.def.description,
      criteria: trial.criteria.map((c) => ({ id: c.id, type: c.type, text: c.text, manual: c.manual })),
    });
  });

  router.post('/trials/:trialId/screen', async (req, res) => {
    const trial = getTrial(deps.catalog, param(req, 'trialId'));
    const body = screenRequestSchema.parse(req.body ?? {});
    const options = { asOf: body.asOf ?? today(deps.now()), ...(body.leukapheresisDate ? { leukapheresisDate: body.leukapheresisDate } : {}) };
    if (body.bundle) {
      const { patients, errors } = groupResourcesByPatient(body.bundle as unknown as Bundle, { resourceTypes: SCREENING_RESOURCE_TYPES });
      if (patients.length !== 1) {
        const why = errors.map((e) => e.message).join('; ');
        throw new EligoError('ERR_INPUT_INVALID', `the Bundle must hold exactly one patient, found ${patients.length}${why ? ` (${why})` : ''}`, { where: 'bundle' });
      }
      // Not stored: the Bundle's Patient id is the caller's word, and a stored report is read as a
      // server patient's (it would let anyone overwrite another patient's report).
      res.json(screenResources(trial, patients[0] as (typeof patients)[number], options));
      return;
    }
    if (!deps.source) throw new EligoError('ERR_ARGUMENT_INVALID', 'no FHIR server is configured; post a bundle instead', { where: 'patientId' });
    const result = await screenPatient({ source: deps.source, reports: deps.reports, ...(deps.writer ? { writer: deps.writer } : {}) }, trial, body.patientId as string, {
      ...options,
      writeBack: body.writeBack,
    });
    res.json(result.written ? { ...result.report, written: result.written } : result.report);
  });

  router.get('/trials/:trialId/reports/:patientId', async (req, res) => {
    const trial = getTrial(deps.catalog, param(req, 'trialId'));
    const patientId = patientIdParam.parse(param(req, 'patientId'));
    const report = await deps.reports.get(trial.id, `Patient/${patientId}`);
    if (!report) throw new EligoError('ERR_NOT_FOUND', `no report for this patient and trial ${trial.id} yet; screen first`);
    res.json(report);
  });

  return router;
}
