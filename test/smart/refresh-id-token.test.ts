import { smartSessionSchema, type SmartSession } from '../../src/smart/session';
import type { SmartContext } from '../../src/smart';
import { buildEligo, CookieClient, LogCapture, reserveServer, type ReservedServer } from './harness';
import { startSmartAuthServer, type RefreshIdToken, type SmartAuthServer } from './support/smart-auth-server';

/** Past the test authorization server's 300-second access tokens, on eligo's clock. */
const PAST_TOKEN_LIFE_MS = 301_000;
const REPORT = '/app/api/report?trial=ssc-cart&asOf=2026-06-15';

describe('SMART launch and refresh against a small test authorization server', () => {
  let app: ReservedServer;
  let oidcEhr: SmartAuthServer;
  let plainEhr: SmartAuthServer;
  let clock = Date.now();

  beforeAll(async () => {
    app = await reserveServer();
    [oidcEhr, plainEhr] = await Promise.all([startSmartAuthServer({ appBaseUrl: app.url, oidc: true }), startSmartAuthServer({ appBaseUrl: app.url, oidc: false })]);
  });

  afterAll(async () => {
    await app?.close();
    await oidcEhr?.close();
    await plainEhr?.close();
  });

  function mount(ehr: SmartAuthServer, logs: LogCapture): SmartContext {
    const eligo = buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger, smartNow: () => clock });
    app.mount(eligo.app);
    return eligo.smart;
  }

  async function launch(client: CookieClient, ehr: SmartAuthServer, patientId: string): Promise<{ status: number; page: string; landedOn: string }> {
    const { response, visited } = await client.follow(ehr.launchUrl(patientId));
    return { status: response.status, page: await response.text(), landedOn: visited[visited.length - 1] as string };
  }

  async function storedSession(smart: SmartContext, client: CookieClient): Promise<SmartSession | undefined> {
    const id = client.cookie('127.0.0.1', 'eligo-session');
    const parsed = smartSessionSchema.safeParse(id === undefined ? undefined : await smart.storage.get(`session:${id}`));
    return parsed.success ? parsed.data : undefined;
  }

  describe('refresh (OpenID Connect Core 12.2): the configuration names an issuer and a JWKS', () => {
    it.each<RefreshIdToken>(['without-aud', 'none', 'valid'])(
      'a refresh whose id_token is %s keeps the session, the launched patient and the launch identity',
      async (mode) => {
        const logs = new LogCapture();
        const smart = mount(oidcEhr, logs);
        const client = new CookieClient();
        const launched = await launch(client, oidcEhr, 'ssc-potential');
        expect(launched.status).toBe(200);
        expect((await storedSession(smart, client))?.fhirUser).toBe('Practitioner/test-clinician');

        oidcEhr.refreshIdToken = mode;
        const refreshesBefore = oidcEhr.refreshes;
        clock += PAST_TOKEN_LIFE_MS;
        const response = await client.request(`${app.url}${REPORT}`);
        expect(response.status).toBe(200);
        expect(((await response.json()) as { patient: string }).patient).toBe('Patient/ssc-potential');
        // The server revokes the old access token on refresh: the report above used the new one.
        expect(oidcEhr.refreshes).toBe(refreshesBefore + 1);
        expect(logs.text).toContain('smart.refresh.done');
        expect(logs.text).not.toContain('smart.refresh.failed');
        if (mode === 'without-aud') expect(logs.text).toContain('smart.refresh.id_token_ignored');
        const session = await storedSession(smart, client);
        expect(session?.fhirUser).toBe('Practitioner/test-clinician');
        expect(session?.sub).toBe('clinician-1');
        expect(session?.patient).toBe('ssc-potential');
        // No JWT (id_token) and no bearer token in the logs.
        expect(logs.text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
        expect(logs.text).not.toContain(session?.accessToken ?? 'no session');
      },
    );

    it('a valid refreshed id_token naming another user ends the session', async () => {
      const logs = new LogCapture();
      mount(oidcEhr, logs);
      const client = new CookieClient();
      expect((await launch(client, oidcEhr, 'ssc-potential')).status).toBe(200);

      oidcEhr.refreshIdToken = 'other-user';
      clock += PAST_TOKEN_LIFE_MS;
      expect((await client.request(`${app.url}${REPORT}`)).status).toBe(401);
      expect(logs.text).toContain('smart.refresh.user_changed');
      // Ended, not merely refused once: the next request is refused without another refresh.
      const refreshes = oidcEhr.refreshes;
      expect((await client.request(`${app.url}/app/api/session`)).status).toBe(401);
      expect(oidcEhr.refreshes).toBe(refreshes);
    });
  });

  describe('no-OIDC fallback: the configuration names neither issuer nor jwks_uri', () => {
    it('completes the launch, ignoring the id_token, and the API works for the launched patient', async () => {
      const logs = new LogCapture();
      const smart = mount(plainEhr, logs);
      const client = new CookieClient();
      const launched = await launch(client, plainEhr, 'ssc-potential');
      expect(launched.status).toBe(200);
      expect(new URL(launched.landedOn).pathname).toBe('/app/');
      expect(launched.page).toContain('Patient/ssc-potential');

      const response = await client.request(`${app.url}${REPORT}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { patient: string }).patient).toBe('Patient/ssc-potential');
      const session = await storedSession(smart, client);
      // Nothing from an id_token that could not be validated.
      expect(session?.fhirUser).toBeUndefined();
      expect(session?.sub).toBeUndefined();
    });

    it('refreshes without validating the refreshed id_token', async () => {
      const logs = new LogCapture();
      mount(plainEhr, logs);
      const client = new CookieClient();
      expect((await launch(client, plainEhr, 'sle-eligible')).status).toBe(200);

      plainEhr.refreshIdToken = 'other-user';
      const refreshes = plainEhr.refreshes;
      clock += PAST_TOKEN_LIFE_MS;
      const response = await client.request(`${app.url}/app/api/session`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { patient: string }).patient).toBe('Patient/sle-eligible');
      expect(plainEhr.refreshes).toBe(refreshes + 1);
      expect(logs.text).toContain('smart.refresh.done');
    });
  });
});
