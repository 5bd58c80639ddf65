import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../bulk/support';

/**
 * npm start's front process (src/http/starting.ts) over real HTTP: it answers at once while the
 * service it forked is still being built, then hands the same port to the service. The service
 * here is a small script that waits for a gate file before it asks for the socket, so the test
 * sees both phases; the front runs from the build (npm test builds first), as npm start does.
 */
const ROOT = path.resolve(__dirname, '../..');
const STARTING = path.join(ROOT, 'dist/http/starting.js');

async function get(url: string): Promise<{ status: number; retryAfter: string | null; body: unknown } | undefined> {
  try {
    const response = await fetch(url);
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
  } catch {
    return undefined; // not listening yet
  }
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('npm start answers before the service is built, then the service takes the same port', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'eligo-front-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says starting on /health, asks others to retry, hands the port over and ends with the service', async () => {
    const gate = path.join(dir, 'go');
    const service = path.join(dir, 'service.js');
    writeFileSync(
      service,
      `const { existsSync } = require('node:fs');
const { serveOnFrontSocket } = require(${JSON.stringify(STARTING)});
process.on('SIGTERM', () => process.exit(0));
const wait = setInterval(() => {
  if (!existsSync(${JSON.stringify(gate)})) return;
  clearInterval(wait);
  void serveOnFrontSocket((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ status: 'ok', pid: process.pid })); }, 0, '127.0.0.1');
}, 10);
`,
    );
    const port = await freePort();
    const front = spawn(process.execPath, ['-e', `require(${JSON.stringify(STARTING)}).runFront(${port}, '127.0.0.1', ${JSON.stringify(service)}, []).then((code) => process.exit(code))`], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => front.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      const health = await until(() => get(`${base}/health`), 'the front to listen');
      expect(health).toEqual({ status: 200, retryAfter: null, body: { status: 'starting' } });
      const api = await get(`${base}/api/trials`);
      expect(api?.status).toBe(503);
      expect(api?.retryAfter).toBe('1');
      expect(api?.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] });

      writeFileSync(gate, '');
      const served = await until(async () => {
        const r = await get(`${base}/health`);
        return (r?.body as { status?: string } | undefined)?.status === 'ok' ? r : undefined;
      }, 'the service to take the port');
      expect((served.body as { pid: number }).pid).not.toBe(front.pid);
      // From then on every request is the service's.
      expect((await get(`${base}/api/trials`))?.body).toMatchObject({ status: 'ok' });
    } finally {
      front.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
