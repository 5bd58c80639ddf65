import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { createBulkClient } from '../../src/bulk';
import type { BulkEvent } from '../../src/bulk';
import { startSeededServer } from './support';
import type { SeededServer } from './support';

describe('export file downloads from a server that rate-limits', () => {
  let server: SeededServer;
  let folders: string;
  let refused = 0;
  // The first file request is refused the way Medplum refuses: 429, an OperationOutcome and only a RateLimit header.
  const throttleFirstFile: RequestHandler = (req, res, next) => {
    if (!req.path.includes('/$export-file/') || refused > 0) return next();
    refused++;
    res
      .status(429)
      .set({ 'content-type': 'application/fhir+json', ratelimit: '"requests";r=0;t=1' })
      .send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] }));
  };

  beforeAll(async () => {
    folders = await mkdtemp(path.join(tmpdir(), 'eligo-throttled-download-'));
    server = await startSeededServer({ synthea: 0, bulkExport: { retryAfterSeconds: 1 }, middleware: [throttleFirstFile] });
  });
  afterAll(async () => {
    await server.running.close();
    await rm(folders, { recursive: true, force: true });
  });

  it('waits as long as the RateLimit header says and downloads the file', async () => {
    const events: BulkEvent[] = [];
    const result = await createBulkClient({ baseUrl: server.base, firstPollDelayMs: 0, onEvent: (e) => events.push(e) }).export(
      { level: { kind: 'patient' }, types: ['Patient'] },
      { outputDir: path.join(folders, 'one') },
    );
    expect(refused).toBe(1);
    expect(events.filter((e) => e.type === 'download-retry')).toEqual([{ type: 'download-retry', attempt: 1, waitMs: 1000, serverAskedMs: 1000 }]);
    expect(result.files.map((f) => [f.type, f.count])).toEqual([['Patient', 6]]);
  });
});
