import type { Request, Response, Router } from 'express';
import { accessNote } from '../../access/authenticate';
import { secureRouter, type AccessRequest } from '../../access/secure-router';
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
  const runOf = (req: Request): AccessRequest => ({ action: 'population.read', run: param(req, 'id') });
  return secureRouter([
    {
      method: 'post',
      path: '/cohort-runs',
      bodyLimit: 64 * 1024,
      access: (req) => {
        const body = (req.body ?? {}) as { writeBack?: unknown; writeMeasureReport?: unknown; runId?: unknown };
        const run = typeof body.runId === 'string' ? { run: body.runId } : {};
        // Writing to the FHIR server with the service's credentials needs the write-back scope as well.
        const writes = body.writeBack === true || body.writeMeasureReport === true;
        return writes ? [{ action: 'population.run', ...run }, { action: 'patient.write-back', ...run }] : { action: 'population.run', ...run };
      },
      handler: async (req, res) => {
        const view = await service.start(req.body ?? {});
        accessNote(res).run = view.runId;
        const running = view.active && view.status !== 'completed';
        res.status(running ? 202 : 200).location(`${base}/cohort-runs/${encodeURIComponent(view.runId)}`).json(withLinks(base, view));
      },
    },
    {
      method: 'get',
      path: '/cohort-runs',
      access: 'population.read',
      handler: async (_req, res) => {
        res.json((await service.list()).map((v) => withLinks(base, v)));
      },
    },
    {
      method: 'get',
      path: '/cohort-runs/:id',
      access: runOf,
      handler: async (req, res) => {
        res.json(withLinks(base, await service.status(param(req, 'id'))));
      },
    },
    {
      method: 'delete',
      path: '/cohort-runs/:id',
      access: (req) => ({ action: 'population.run', run: param(req, 'id') }),
      handler: async (req, res) => {
        const view = await service.cancel(param(req, 'id'));
        res.status(view.status === 'cancelling' ? 202 : 200).json(withLinks(base, view));
      },
    },
    {
      method: 'get',
      path: '/cohort-runs/:id/summary',
      access: runOf,
      handler: async (req, res) => {
        const summary = await service.summary(param(req, 'id'));
        sendText(res, 'application/fhir+json', JSON.stringify(buildMeasureReport(summary)));
      },
    },
    {
      method: 'get',
      path: '/cohort-runs/:id/summary.json',
      access: runOf,
      handler: async (req, res) => {
        res.json(await service.summary(param(req, 'id')));
      },
    },
    {
      method: 'get',
      path: '/cohort-runs/:id/summary.csv',
      access: runOf,
      handler: async (req, res) => {
        const summary = await service.summary(param(req, 'id'));
        res.setHeader('content-disposition', `attachment; filename="cohort-${summary.runId}.csv"`);
        sendText(res, 'text/csv; charset=utf-8', renderCsv(summary));
      },
    },
    {
      method: 'get',
      path: '/cohort-runs/:id/summary.html',
      access: runOf,
      handler: async (req, res) => {
        const summary = await service.summary(param(req, 'id'));
        // The page has no script and loads nothing: say so to the browser too.
        res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
        sendText(res, 'text/html; charset=utf-8', renderHtml(summary));
      },
    },
  ]);
}

function sendText(res: Response, type: string, body: string): void {
  res.status(200).type(type).send(body);
}
