import { STRICT_ROUTING } from '../../http/routing';
import express, { type Request, type Response, type Router } from 'express';
import { buildMeasureReport } from '../render/measure-report';
import { renderCsv } from '../render/csv';
import { renderHtml } from '../render/html';
import type { CohortRunView, CohortService } from '../service';

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** Links relative to where the router is mounted (`/api`). */
function withLinks(base: string, view: CohortRunView): CohortRunView & { links: Record<string, string> } {
  const self = `${base}/cohort-runs/${encodeURIComponent(view.runId)}`;
  return {
    ...view,
    links: { self, summary: `${self}/summary.json`, measureReport: `${self}/summary`, csv: `${self}/summary.csv`, html: `${self}/summary.html` },
  };
}

/**
 * Cohort runs over HTTP; mount under `/api` before the API's 404 handler. Errors (zod,
 * EligoError) go to the app's one OperationOutcome handler.
 *
 *   POST   /cohort-runs                 start a run now (202), or resume one by `runId`
 *   GET    /cohort-runs                 every run, with status and counts
 *   GET    /cohort-runs/:id             status and progress counts
 *   DELETE /cohort-runs/:id             cancel (202 while patients in flight finish)
 *   GET    /cohort-runs/:id/summary     the summary MeasureReport (FHIR JSON)
 *   GET    /cohort-runs/:id/summary.json|.csv|.html
 */
export function createCohortRouter(service: CohortService, options: { basePath?: string } = {}): Router {
  const base = options.basePath ?? '/api';
  const router = express.Router(STRICT_ROUTING);
  router.use('/cohort-runs', express.json({ limit: '20mb', type: ['application/json', 'application/fhir+json'] }));

  router.post('/cohort-runs', async (req, res) => {
    const view = await service.start(req.body ?? {});
    const running = view.active && view.status !== 'completed';
    res.status(running ? 202 : 200).location(`${base}/cohort-runs/${encodeURIComponent(view.runId)}`).json(withLinks(base, view));
  });

  router.get('/cohort-runs', async (_req, res) => {
    res.json((await service.list()).map((v) => withLinks(base, v)));
  });

  router.get('/cohort-runs/:id', async (req, res) => {
    res.json(withLinks(base, await service.status(param(req, 'id'))));
  });

  router.delete('/cohort-runs/:id', async (req, res) => {
    const view = await service.cancel(param(req, 'id'));
    res.status(view.status === 'cancelling' ? 202 : 200).json(withLinks(base, view));
  });

  router.get('/cohort-runs/:id/summary', async (req, res) => {
    const summary = await service.summary(param(req, 'id'));
    sendText(res, 'application/fhir+json', JSON.stringify(buildMeasureReport(summary)));
  });

  router.get('/cohort-runs/:id/summary.json', async (req, res) => {
    res.json(await service.summary(param(req, 'id')));
  });

  router.get('/cohort-runs/:id/summary.csv', async (req, res) => {
    const summary = await service.summary(param(req, 'id'));
    res.setHeader('content-disposition', `attachment; filename="cohort-${summary.runId}.csv"`);
    sendText(res, 'text/csv; charset=utf-8', renderCsv(summary));
  });

  router.get('/cohort-runs/:id/summary.html', async (req, res) => {
    const summary = await service.summary(param(req, 'id'));
    // The page has no script and loads nothing: say so to the browser too.
    res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    sendText(res, 'text/html; charset=utf-8', renderHtml(summary));
  });

  return router;
}

function sendText(res: Response, type: string, body: string): void {
  res.status(200).type(type).send(body);
}
