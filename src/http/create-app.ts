import express, { type Express } from 'express';
import type { Logger } from '../log';
import { createApiRouter, type ApiDeps } from './api';
import { openApiDocument } from './openapi';
import { errorHandler, operationOutcome, sendOutcome } from './operation-outcome';

export interface AppDeps extends ApiDeps {
  log: Logger;
}

/** The service as an Express app; only src/main.ts listens. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use('/api', createApiRouter(deps));
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
