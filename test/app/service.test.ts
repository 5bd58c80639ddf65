import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../bulk/support';

const ROOT = path.resolve(__dirname, '../..');

/** Json off the wire, read field by field in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions check the shape
type Json = any;

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `npm start` (src/main.ts) in a child process on free ports, seeded with the examples only. */
async function startMain(dataDir: string, extra: Record<string, string> = {}): Promise<Started & { port: string }> {
  const port = String(await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ELIGO_PORT: port,
      ELIGO_EMBEDDED_FHIR_PORT: '0',
      ELIGO_SANDBOX_PORT: String(await freePort()),
      ELIGO_SEED: path.join(ROOT, 'examples'),
      ELIGO_DATA_DIR: dataDir,
      ELIGO_LOG_LEVEL: 'info',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, stdout: () => out, stderr: () => err, exited };
}

async function until(condition: () => boolean, what: string, started: Started): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 60_000 || started.child.exitCode !== null) throw new Error(`${what}; stderr: ${started.stderr()}`);
    await sleep(50);
  }
}

function readAudit(file: string): Json[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);
  } catch {
    return [];
  }
}

describe('the service as npm start runs it', () => {
  let dataDir: string;
  let main: Started & { port: string };
  let url: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-service-'));
    main = await startMain(dataDir);
    // The demo screening printed: every start-up step is done.
    await until(() => main.stdout().includes('ssc-cart: screened'), 'the service did not start', main);
    url = `http://127.0.0.1:${main.port}`;
    const key = /API key: +(eligo_[A-Za-z0-9_-]+)/.exec(main.stdout())?.[1];
    if (!key) throw new Error(`npm start printed no API key: ${main.stdout()}`);
    auth = { authorization: `Bearer ${key}` };
  }, 90_000);

  afterAll(async () => {
    main?.child.kill('SIGTERM');
    await main?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a cohort by Bulk Data export of its embedded server through the API, with counts while it runs and the funnel chart at the end', async () => {
    const start = await fetch(`${url}/api/cohort-runs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ trial: 'sle-cart', select: { by: 'export' }, asOf: '2026-06-15', leukapheresisDate: '2026-07-01', runId: 'nightly-sle' }),
    });
    expect([200, 202]).toContain(start.status);
    expect(start.headers.get('location')).toBe('/api/cohort-runs/nightly-sle');
    let view: Json;
    for (let i = 0; i < 600; i++) {
      view = await (await fetch(`${url}/api/cohort-runs/nightly-sle`, { headers: auth })).json();
      if (view.status === 'completed' || view.status === 'failed') break;
      await sleep(50);
    }
    expect(view).toMatchObject({ status: 'completed', screened: 6, failed: 0, byOutcome: { eligible: 1, 'potential-candidate': 1, ineligible: 4 } });
    expect(view.candidates).toMatch(/^Bulk Data Patient\/\$export/);
    const summary: Json = await (await fetch(`${url}/api/cohort-runs/nightly-sle/summary.json`, { headers: auth })).json();
    expect(summary.warnings).toEqual([]);
    expect(summary.counts).toMatchObject({ total: 6, screened: 6 });
    const html = await (await fetch(`${url}/api/cohort-runs/nightly-sle/summary.html`, { headers: auth })).text();
    expect(html).toContain('<svg');
    const measure: Json = await (await fetch(`${url}/api/cohort-runs/nightly-sle/summary`, { headers: auth })).json();
    expect(measure).toMatchObject({ resourceType: 'MeasureReport', type: 'summary', status: 'complete' });
  }, 60_000);

  it('answers the API only with the printed key, and audits each call by the key\'s name', async () => {
    const anonymous = await fetch(`${url}/api/trials/sle-cart/reports/sle-eligible`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(`${url}/api/trials`, { headers: { authorization: 'Bearer eligo_not-a-key' } });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${url}/api/trials`, { headers: auth })).status).toBe(200);
    const day = new Date().toISOString().slice(0, 10);
    let lines: Json[] = [];
    for (let i = 0; i < 100 && !lines.some((l) => l.route === '/api/trials' && l.status === 200); i++) {
      await sleep(20);
      lines = readAudit(path.join(dataDir, 'audit', `${day}.jsonl`));
    }
    expect(lines).toContainEqual(expect.objectContaining({ route: '/api/trials', status: 200, outcome: 'success', agent: { kind: 'api-key', who: 'demo' } }));
    expect(lines).toContainEqual(expect.objectContaining({ status: 401, outcome: 'denied', agent: { kind: 'anonymous', who: 'anonymous' } }));
    expect(lines).toContainEqual(expect.objectContaining({ route: '/api/cohort-runs', action: 'population.run', run: 'nightly-sle', outcome: 'success' }));
    expect(JSON.stringify(lines)).not.toContain('eligo_');
    expect(statSync(path.join(dataDir, 'audit')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'audit', `${day}.jsonl`)).mode & 0o777).toBe(0o600);
    // Sessions (with their tokens) stay in memory unless ELIGO_SMART_SESSION_DIR is set (docs/smart.md).
    expect(existsSync(path.join(dataDir, 'sessions'))).toBe(false);
  });

  it('prints where it listens before the demo data is in, and the demo screening after; /health says the data is ready', async () => {
    const out = main.stdout();
    expect(out.indexOf('eligo is running')).toBeGreaterThanOrEqual(0);
    expect(out.indexOf('eligo is running')).toBeLessThan(out.indexOf('Demo data:     loaded'));
    expect(out.indexOf('Demo data:     loaded')).toBeLessThan(out.indexOf('sle-cart: screened'));
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok', demo: 'ready' });
  });

  it('logs no patient names or birth dates while it screens and runs cohorts', () => {
    expect(main.stderr()).not.toMatch(/Example|1991-04-02|1996-11-05|birthDate/);
  });
});

describe('service start-up', () => {
  it('stops on a cohort schedule naming an unknown trial, before anything listens, naming the variable', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-service-bad-'));
    try {
      const main = await startMain(dataDir, { ELIGO_COHORT_SCHEDULE: '0 2 * * *|no-such-trial' });
      expect(await main.exited).toBe(2);
      expect(main.stderr()).toMatch(/ELIGO_COHORT_SCHEDULE entry 1: unknown trial "no-such-trial"/);
      expect(main.stdout()).not.toContain('eligo is running');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
