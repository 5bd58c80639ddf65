import { STRICT_ROUTING } from '../http/routing';
import { accessNote, auditRequests, notePrincipal, sessionPrincipal } from '../access/authenticate';
import type { Action } from '../access/decide';
import type { AuditLog } from '../audit/types';
import express, { type Request, type RequestHandler, type Router } from 'express';
import type { Patient } from '@medplum/fhirtypes';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { errorHandler } from '../http/operation-outcome';
import { getTrial } from '../mapping/compile';
import type { Outcome } from '../report/types';
import type { SmartContext } from '../smart/context';
import { loggableError } from '../smart/safe-error';
import { APP_PATH } from '../smart/paths';
import { currentSession, requireSession } from '../smart/require-session';
import { grantsWriteBack } from '../smart/scopes';
import type { ActiveSession } from '../smart/session';
import { checkScreenOptions, today, type ScreenOptions } from '../usecases/screen';
import { SERVICE_VERSION } from '../version';
import { htmlErrorHandler } from './problem-page';
import { renderReportPage, type ReportPageView } from './report-page';
import { screenSessionPatient, type SessionScreeningDeps } from './screen-session';
import { securityHeaders } from './security-headers';
import { REPORT_CSS } from './styles';
import { trendsForReport } from './trends';
import { sameSecret } from '../smart/cookies';

export interface WebDeps extends SessionScreeningDeps {
  smart: SmartContext;
  now: () => Date;
  /** Page views, report reads and write-backs go to the audit trail like the API's. */
  audit?: AuditLog;
}

/** After requireSession: the session is the caller, and the route says what it does to which patient. */
function audited(action: Action | undefined): RequestHandler {
  return (req, res, next) => {
    const session = currentSession(res);
    notePrincipal(res, sessionPrincipal(session));
    const note = accessNote(res);
    note.route = `${req.baseUrl}${req.route ? String((req.route as { path: string }).path) : req.path}`;
    note.patient = session.patient;
    if (action) note.action = action;
    const trial = typeof req.query.trial === 'string' ? req.query.trial : typeof (req.body as { trial?: unknown } | undefined)?.trial === 'string' ? (req.body as { trial: string }).trial : undefined;
    if (trial && /^[a-z0-9][a-z0-9-]{0,63}$/.test(trial)) note.trial = trial;
    next();
  };
}

/** The trials a patient may fit come first; the order among equals stays the catalog's. */
const OUTCOME_ORDER: Record<Outcome, number> = { eligible: 0, 'potential-candidate': 1, ineligible: 2 };

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD');
const optionalDate = z.preprocess((v) => (v === '' ? undefined : v), date.optional());
const datesSchema = z.object({ asOf: optionalDate, leukapheresis: optionalDate });
const trialParam = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'not a trial id');
const writeBackForm = z.object({ csrf: z.string().min(1), trial: trialParam, asOf: date, leukapheresis: optionalDate });

/**
 * The report page and what it needs, mounted at /app (APP_PATH): GET / (the page for the
 * launched patient), POST /write-back, GET /api/report and /api/session (JSON), the stylesheet.
 * Every route but the stylesheet needs a SMART session, and knows only its patient.
 */
export function createWebRouter(deps: WebDeps): Router {
  const router = express.Router(STRICT_ROUTING);
  const frame = deps.smart.config.frameAncestors;

  router.get('/assets/report.css', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }).type('text/css').send(REPORT_CSS);
  });

  if (deps.audit) router.use(auditRequests(deps.audit, deps.now));
  const api = express.Router(STRICT_ROUTING);
  api.use(requireSession(deps.smart));
  api.get('/session', audited(undefined), (_req, res) => {
    const session = currentSession(res);
    res.set('Cache-Control', 'no-store').json({
      patient: `Patient/${session.patient}`,
      fhirServer: session.iss,
      scope: session.scope,
      canWriteBack: writeBackState(deps, session).allowed,
      expiresAt: new Date(session.expiresAt).toISOString(),
    });
  });
  api.get('/report', audited('patient.screen'), async (req, res) => {
    const session = currentSession(res);
    const trial = getTrial(deps.catalog, trialParam.parse(req.query.trial));
    const screening = await screenSessionPatient(deps, session, [trial], screenOptions(req, deps));
    res.set('Cache-Control', 'no-store').json(screening.results[0]?.report);
  });
  api.use(errorHandler((message, error) => deps.smart.log.error({ err: loggableError(error) }, message)));
  router.use('/api', api);

  router.get('/', requireSession(deps.smart), audited('patient.screen'), async (req, res) => {
    const session = currentSession(res);
    const options = screenOptions(req, deps);
    const trials = [...deps.catalog.trials.values()];
    const screening = await screenSessionPatient(deps, session, trials, options);
    const view: ReportPageView = {
      ...(session.needPatientBanner && screening.patient ? { banner: bannerOf(screening.patient) } : {}),
      patientReference: `Patient/${session.patient}`,
      fhirBaseUrl: session.iss,
      asOf: options.asOf,
      ...(options.leukapheresisDate ? { leukapheresisDate: options.leukapheresisDate } : {}),
      trials: [...screening.results]
        .sort((a, b) => OUTCOME_ORDER[a.report.outcome] - OUTCOME_ORDER[b.report.outcome])
        .map((r) => ({ trial: r.trial, report: r.report, trends: trendsForReport(r.trial, r.report, screening.record) })),
      csrfToken: session.csrfToken,
      writeBack: writeBackState(deps, session),
      ...noticeOf(req, deps),
      generatedBy: `eligo ${SERVICE_VERSION}`,
    };
    securityHeaders(res, frame);
    res.type('html').send(renderReportPage(view).text);
  });

  router.post('/write-back', express.urlencoded({ extended: false, limit: '8kb' }), requireSession(deps.smart), audited('patient.write-back'), async (req, res) => {
    const session = currentSession(res);
    checkSameOrigin(req, deps.smart.config.appBaseUrl);
    const form = writeBackForm.parse(req.body);
    if (!sameSecret(form.csrf, session.csrfToken)) {
      throw new EligoError('ERR_FORBIDDEN', 'the form is stale or came from another site; reload the page and try again', { where: 'csrf' });
    }
    const state = writeBackState(deps, session);
    if (!state.allowed) throw new EligoError('ERR_FORBIDDEN', `write-back is not available: ${state.reason}`, { where: 'writeBack' });
    const trial = getTrial(deps.catalog, form.trial);
    const options = checkScreenOptions({ asOf: form.asOf, ...(form.leukapheresis ? { leukapheresisDate: form.leukapheresis } : {}) });
    const screening = await screenSessionPatient(deps, session, [trial], { ...options, writeBack: true });
    const written = screening.results[0]?.written ?? [];
    deps.smart.log.info({ event: 'web.write_back', trial: trial.id, resources: written.length }, 'report written back');
    const back = new URLSearchParams({ asOf: options.asOf, ...(options.leukapheresisDate ? { leukapheresis: options.leukapheresisDate } : {}), written: trial.id, count: String(written.length) });
    res.redirect(303, `${deps.smart.config.appBaseUrl}${APP_PATH}/?${back.toString()}`);
  });

  router.use(htmlErrorHandler(deps.smart.log, frame));
  return router;
}

function screenOptions(req: Request, deps: WebDeps): ScreenOptions {
  const dates = datesSchema.parse({ asOf: req.query.asOf, leukapheresis: req.query.leukapheresis });
  return checkScreenOptions({ asOf: dates.asOf ?? today(deps.now()), ...(dates.leukapheresis ? { leukapheresisDate: dates.leukapheresis } : {}) });
}

function writeBackState(deps: WebDeps, session: ActiveSession): ReportPageView['writeBack'] {
  if (!deps.smart.config.writeBack) return { allowed: false, reason: 'not enabled for this installation' };
  if (!grantsWriteBack(session.scope)) return { allowed: false, reason: 'the EHR did not grant the write scopes for this session' };
  return { allowed: true };
}

function noticeOf(req: Request, deps: WebDeps): { notice?: string } {
  const trialId = typeof req.query.written === 'string' ? req.query.written : undefined;
  const count = typeof req.query.count === 'string' && /^\d{1,4}$/.test(req.query.count) ? req.query.count : undefined;
  const trial = trialId ? deps.catalog.trials.get(trialId) : undefined;
  if (!trial || count === undefined) return {};
  return { notice: `Written to the EHR for ${trial.def.title}: ${count} resource(s) created or updated.` };
}

function bannerOf(patient: Patient): NonNullable<ReportPageView['banner']> {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  return { name: text || 'Name not recorded', ...(patient.birthDate ? { birthDate: patient.birthDate } : {}), ...(patient.gender ? { gender: patient.gender } : {}) };
}

/** A form post must come from the app's own pages (Origin, or Referer when a browser omits Origin). */
function checkSameOrigin(req: Request, appBaseUrl: string): void {
  const expected = new URL(appBaseUrl).origin;
  const origin = req.get('origin');
  if (origin !== undefined) {
    if (origin !== expected) throw new EligoError('ERR_FORBIDDEN', 'the form came from another site', { where: 'origin' });
    return;
  }
  const referer = req.get('referer');
  if (referer !== undefined && safeOrigin(referer) !== expected) throw new EligoError('ERR_FORBIDDEN', 'the form came from another site', { where: 'origin' });
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

