import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild } from '../support/child';
import { freePort, smallestSynthea } from '../bulk/support';

const ROOT = path.resolve(__dirname, '../..');

/** Json off the wire, read field by field in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions check the shape
type Json = any;

describe('npm start seeds the embedded server after it listens', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-seed-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers /health while the demo data loads, says when it is ready, and then serves every seeded patient', async () => {
    const started = await startChild(path.join(__dirname, 'support', 'background-seed-service.ts'), {
      what: 'the service',
      timeoutMs: 60_000,
      env: {
        ...process.env,
        ELIGO_PORT: String(await freePort()),
        ELIGO_EMBEDDED_FHIR_PORT: '0',
        ELIGO_SANDBOX_PORT: String(await freePort()),
        ELIGO_SEED: [path.join(ROOT, 'examples'), ...smallestSynthea(3)].join(','),
        ELIGO_DATA_DIR: dataDir,
      },
    });
    const seen = JSON.parse(started.line) as Json;
    // Loading reads files: it cannot have finished before startService returned.
    expect(seen.atReturn).toBe('loading');
    expect(seen.first.status).toBe('ok');
    expect(['loading', 'ready']).toContain(seen.first.demo);
    expect(seen.after).toEqual({ status: 'ok', demo: 'ready' });
    expect(seen.patients).toBe(6 + 3);
  }, 90_000);
});
