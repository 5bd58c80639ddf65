import { STRICT_ROUTING } from '../http/routing';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { accessNote, auditRequests, notePrincipal } from '../access/authenticate';
import type { AuditLog } from '../audit/types';
import { errorHandler, errorToOutcome, sendOutcome } from '../http/operation-outcome';
import type { Logger } from '../log';
import type { Catalog } from '../mapping/compile';
import { loggableError } from '../smart/safe-error';
import type { PatientSource } from '../usecases/ports';
import { today } from '../usecases/screen';
import { screenPatientForTrials } from '../usecases/screen-patient';
import { cardsFor } from './cards';
import { appLaunchUrl, SERVICE_ID, serviceUrl, type CdsConfig } from './config';
import { discoveryDocument } from './discovery';
import { CdsJwtVerifier } from './jwt';
import { hookRequestSchema, patientData, PatientDataUnavailable } from './patient-data';

export interface CdsHooksDeps {
  config: CdsConfig;
  catalog: Catalog;
  log: Logger;
  now: () => Date;
  audit?: AuditLog;
}

/**
 * CDS Hooks 2.0, mounted at /cds-services: GET / (discovery), POST /eligo-patient-view
 * (patient-view cards), POST /eligo-patient-view/feedback. Calls need the EHR's JWT.
 */
export function createCdsHooksRouter(deps: CdsHooksDeps): Router {
  const router = express.Router(STRICT_ROUTING);
  const verifier = new CdsJwtVerifier(deps.config, serviceUrl(deps.config));
  router.use(cors);
  if (deps.audit) router.use(auditRequests(deps.audit, deps.now));
  router.use(express.json({ limit: '20mb', type: ['application/json', 'application/fhir+json'] }));

  router.get('/', (_req, res) => {
    res.json(discoveryDocument());
  });

  router.post(`/${SERVICE_ID}`, async (req, res) => {
    const caller = await verifier.verify(req.get('authorization'));
    notePrincipal(res, { kind: 'cds-client', issuer: caller.iss });
    const request = hookRequestSchema.parse(req.body);
    Object.assign(accessNote(res), { action: 'patient.screen', route: `${req.baseUrl}/${SERVICE_ID}`, patient: request.context.patientId });
    const data = await patientData(request, caller.issuer);
    const source: PatientSource = { label: data.from, fetchPatientResources: () => Promise.resolve({ resources: data.resources as Resource[], warnings: data.warnings, gaps: data.gaps, ...(data.linkedPatientsRead ? { linkedPatientsRead: data.linkedPatientsRead } : {}) }) };
    const options = { asOf: today(deps.now()) };
    const { results, record } = await screenPatientForTrials({ source }, [...deps.catalog.trials.values()], request.context.patientId, options);
    const cards = cardsFor(results, appLaunchUrl(deps.config), deps.config.serviceBaseUrl, record);
    deps.log.info({ event: 'cds.patient_view', from: data.from, skipped: data.skipped, cards: cards.length }, 'patient-view answered');
    res.json({ cards });
  });

  router.post(`/${SERVICE_ID}/feedback`, async (req, res) => {
    const caller = await verifier.verify(req.get('authorization'));
    notePrincipal(res, { kind: 'cds-client', issuer: caller.iss });
    const feedback = (req.body as { feedback?: unknown } | undefined)?.feedback;
    deps.log.info({ event: 'cds.feedback', items: Array.isArray(feedback) ? feedback.length : 0 }, 'card feedback received');
    res.json({});
  });

  router.use(unavailableAs412);
  router.use(errorHandler((message, error) => deps.log.error({ err: loggableError(error) }, message)));
  return router;
}

/** CDS Hooks: "412 Precondition Failed" when the service cannot get the data it needs. */
const unavailableAs412: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (!(error instanceof PatientDataUnavailable) || res.headersSent) {
    next(error);
    return;
  }
  sendOutcome(res, 412, errorToOutcome(error).outcome);
};

/** CDS clients often run in a browser: calls carry a JWT, not cookies, so any origin may call. */
const cors: RequestHandler = (req, res, next) => {
  res.set({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  });
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
};
