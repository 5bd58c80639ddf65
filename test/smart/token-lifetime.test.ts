import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSmartStorage } from '../../src/smart';
import { buildEligo, CookieClient, ehrLaunch, LogCapture, reserveServer, startEhr, type ReservedServer, type RunningEhr } from './harness';

/** The sandbox issues access tokens that live 3 seconds, and its FHIR server refuses expired ones. */
const TOKEN_TTL_SECONDS = 3;

describe('token lifetime: refresh, expiry and restarts', () => {
  let app: ReservedServer;
  let ehr: RunningEhr;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'eligo-sessions-'));
    app = await reserveServer();
    ehr = await startEhr(app.url, { ELIGO_SANDBOX_TOKEN_TTL: String(TOKEN_TTL_SECONDS) });
  });

  afterAll(async () => {
    await app?.close();
    await ehr?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function launch(client: CookieClient, patientId: string): Promise<void> {
    const { response } = await ehrLaunch(client, ehr, patientId);
    expect(response.status).toBe(200);
    await response.text();
  }

  it('refreshes an expired access token and keeps the launched patient', async () => {
    const logs = new LogCapture();
    app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger }).app);
    const client = new CookieClient();
    await launch(client, 'ssc-potential');
    await sleep(TOKEN_TTL_SECONDS * 1000 + 500);
    const response = await client.request(`${app.url}/app/api/report?trial=ssc-cart&asOf=2026-06-15`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { patient: string }).patient).toBe('Patient/ssc-potential');
    expect(logs.text).toContain('smart.refresh.done');
  }, 20_000);

  it('a session without a refresh token is refused once its access token expires', async () => {
    const logs = new LogCapture();
    app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger, smart: { refreshScope: 'none' } }).app);
    const client = new CookieClient();
    await launch(client, 'ssc-potential');
    await sleep(TOKEN_TTL_SECONDS * 1000 + 500);
    expect((await client.request(`${app.url}/app/api/session`)).status).toBe(401);
    expect((await client.request(`${app.url}/api/trials/ssc-cart/reports/ssc-potential`)).status).toBe(401);
  }, 20_000);

  it('a session past its absolute lifetime is refused, even with a refresh token', async () => {
    const logs = new LogCapture();
    app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger, smart: { sessionTtlSeconds: 1 } }).app);
    const client = new CookieClient();
    await launch(client, 'sle-eligible');
    await sleep(1500);
    const page = await client.request(`${app.url}/app/`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('open eligo from the patient chart');
  }, 20_000);

  it('a file-backed session survives a restart of the app process', async () => {
    const logs = new LogCapture();
    app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger, storage: new FileSmartStorage(dir) }).app);
    const client = new CookieClient();
    await launch(client, 'sle-eligible');
    // A new app with new in-memory state, reading the same folder.
    app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger, storage: new FileSmartStorage(dir) }).app);
    const response = await client.request(`${app.url}/app/api/session`);
    expect(response.status).toBe(200);
    const session = (await response.json()) as Record<string, unknown>;
    expect(session.patient).toBe('Patient/sle-eligible');
    expect(JSON.stringify(session)).not.toMatch(/accessToken|refreshToken/);
  }, 20_000);
});
