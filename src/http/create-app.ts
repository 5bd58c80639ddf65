import express, { type Express } from 'express';
import type { CdsConfig } from '../cdshooks';
import { createCohortRouter, type CohortService } from '../cohort';
import { createCdsHooksRouter } from '../cdshooks';
import type { FhirSourceOptions } from '../fhir';
import type { Logger } from '../log';
import { authenticate, type AccessDeps } from '../access/authenticate';
import { createSmartRouter, type SmartContext } from '../smart';
import { APP_PATH, SMART_PATH } from '../smart/paths';
import { createWebRouter } from '../web';
import { createApiRouter, type ApiDeps } from './api';
import { openApiDocument } from './openapi';
import { errorHandler, operationOutcome, sendOutcome } from './operation-outcome';

export interface AppDeps extends ApiDeps {
  log: Logger;
  /** Who may call `/api` (src/access): required, so no composition can leave the API open by omission. */
  access: Omit<AccessDeps, 'smart'>;
  /** The SMART app (launch, report page); its session guards the API when present. */
  smart?: SmartContext;
  /** CDS Hooks, when EHR issuers are configured. */
  cds?: CdsConfig;
  fhirOptions?: Omit<FhirSourceOptions, 'baseUrl' | 'bearerToken'>;
  /** Cohort runs over the population (`/api/cohort-runs`). */
  cohort?: CohortService;
  /** More for /health to say (npm start: whether the embedded server's demo data is loaded yet). */
  health?: () => Record<string, unknown>;
}

/** The service as an Express app; only src/main.ts listens. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Before any route: the app's own router is built with these (see STRICT_ROUTING).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', ...deps.health?.() });
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  if (deps.smart) {
    app.use(SMART_PATH, createSmartRouter(deps.smart));
    app.use(
      APP_PATH,
      createWebRouter({
        smart: deps.smart,
        catalog: deps.catalog,
        reports: deps.reports,
        now: deps.now,
        ...(deps.access.audit ? { audit: deps.access.audit } : {}),
        ...(deps.fhirOptions ? { fhirOptions: deps.fhirOptions } : {}),
      }),
    );
  }
  if (deps.cds) app.use('/cds-services', createCdsHooksRouter({ config: deps.cds, catalog: deps.catalog, log: deps.log, now: deps.now, ...(deps.access.audit ? { audit: deps.access.audit } : {}) }));
  // Everything under /api past this point needs a principal; each route then decides what it may do.
  app.use('/api', authenticate({ ...deps.access, ...(deps.smart ? { smart: deps.smart } : {}) }));
  app.use('/api', createApiRouter(deps));
  if (deps.cohort) app.use('/api', createCohortRouter(deps.cohort));
  app.use('/api', (_req, res) => {
    sendOutcome(res, 404, operationOutcome('error', 'not-found', 'ERR_NOT_FOUND: no such API route'));
  });
  app.use(
    errorHandler((message, error) => {
      // Messages only: request bodies may carry patient data.
      deps.log.error({ err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) }, message);
    }),
  );
  return app;
}
