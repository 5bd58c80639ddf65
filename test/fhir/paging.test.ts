import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Request, Response } from 'express';
import { isEligoError } from '../../src/errors/eligo-error';
import { createFhirSource } from '../../src/fhir';
import { collectPages } from '../../src/fhir/paging';

/** A real HTTP server on 127.0.0.1 answering every search with `page(req)`. */
async function pagingServer(page: (req: Request, base: string) => unknown): Promise<{ base: string; seen: Request[]; close(): Promise<void> }> {
  const seen: Request[] = [];
  const app = express();
  let base = '';
  app.use((req, res: Response) => {
    seen.push(req);
    if (req.path === '/fhir/metadata') {
      res.type('application/fhir+json').send(JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['json'], date: '2024-01-01' }));
      return;
    }
    if (req.path === '/fhir/Patient/p1') {
      res.type('application/fhir+json').send(JSON.stringify({ resourceType: 'Patient', id: 'p1' }));
      return;
    }
    res.type('application/fhir+json').send(JSON.stringify(page(req, base)));
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    base,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const searchset = (next: string | undefined): unknown => ({ resourceType: 'Bundle', type: 'searchset', entry: [], ...(next ? { link: [{ relation: 'next', url: next }] } : {}) });

describe('a server whose paging does not end', () => {
  it('says the next link repeated when the server sends one it sent before', async () => {
    // Page 1 -> page 2 -> page 1 again: a cycle.
    const stub = await pagingServer((req, base) => searchset(`${base}/page?n=${req.query.n === '2' ? '1' : '2'}`));
    try {
      const error: unknown = await createFhirSource({ baseUrl: stub.base, retries: 0 })
        .fetchPatientResources('p1')
        .catch((e: unknown) => e);
      expect(isEligoError(error, 'ERR_FHIR_REQUEST_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(new RegExp(`^FHIR server ${stub.base} sent a next link it had already sent for .+ \\(after 3 pages\\): the paging goes round in a circle$`));
    } finally {
      await stub.close();
    }
  });

  it('says how many pages it followed when every page links a new next page', async () => {
    let n = 0;
    const stub = await pagingServer((_req, base) => searchset(`${base}/page?cursor=${++n}`));
    try {
      const http = createFhirSource({ baseUrl: stub.base, retries: 0 }).http;
      const first = (await http.send({ method: 'GET', url: 'Observation?patient=p1', idempotent: true })).body;
      const error: unknown = await collectPages(http, first as never, 'GET Observation?patient=…', 25).catch((e: unknown) => e);
      expect(isEligoError(error, 'ERR_FHIR_REQUEST_FAILED')).toBe(true);
      expect((error as Error).message).toBe(
        `FHIR server ${stub.base} sent more than 25 pages for GET Observation?patient=…, each with a new next link; paging stopped there rather than follow it without end`,
      );
      expect((error as Error).message).not.toContain('same');
      // The first page and 24 more were read; the 26th was not asked for.
      expect(stub.seen.filter((r) => r.path === '/fhir/page' || r.path === '/fhir/Observation')).toHaveLength(25);
    } finally {
      await stub.close();
    }
  });
});
