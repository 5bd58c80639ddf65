import { buildEligo, CookieClient, decodeEntities, ehrLaunch, LogCapture, reserveServer, startEhr, type ReservedServer, type RunningEhr } from './harness';

describe('SMART EHR launch against the sandbox EHR', () => {
  let app: ReservedServer;
  let ehr: RunningEhr;
  const logs = new LogCapture();

  beforeAll(async () => {
    app = await reserveServer();
    ehr = await startEhr(app.url);
    app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger }).app);
  });

  afterAll(async () => {
    await app?.close();
    await ehr?.stop();
  });

  it('lands on the report page for the launched patient with PKCE S256, state and aud', async () => {
    const client = new CookieClient();
    const { response, visited } = await ehrLaunch(client, ehr, 'ssc-potential');
    const page = await response.text();
    expect(response.status).toBe(200);
    const authorize = new URL(visited.find((u) => u.startsWith(`${ehr.sandboxUrl}/auth`)) as string);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('aud')).toBe(ehr.fhirBaseUrl);
    expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['launch', 'openid', 'fhirUser', 'patient/Observation.rs']));
    expect(page).toContain('Patient/ssc-potential');
    expect(page).toContain('data-outcome="potential-candidate"');
    // An EHR launch runs in the EHR's frame, which shows the patient: no banner of eligo's own.
    expect(page).not.toContain('ssc potential Example');
  });

  it('a standalone launch lets the user pick the patient and shows a patient banner', async () => {
    const client = new CookieClient();
    const { response, visited } = await client.follow(`${app.url}/smart/launch?iss=${encodeURIComponent(ehr.fhirBaseUrl)}`);
    expect(new URL(visited[1] as string).searchParams.get('scope')?.split(' ')).toContain('launch/patient');
    const picker = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(picker)?.[1];
    expect(action).toBeDefined();
    const { response: landed } = await client.follow(new URL(decodeEntities(action as string), ehr.sandboxUrl).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ patient: 'sle-eligible' }).toString(),
    });
    const page = await landed.text();
    expect(landed.status).toBe(200);
    expect(page).toContain('sle eligible Example');
    expect(page).toContain('Patient/sle-eligible');
  });

  it('the EHR\'s FHIR server refuses calls without a valid token, so every read above used the launch token', async () => {
    expect((await fetch(`${ehr.fhirBaseUrl}/Patient/ssc-potential`)).status).toBe(401);
    const forged = await fetch(`${ehr.fhirBaseUrl}/Patient/ssc-potential`, { headers: { authorization: 'Bearer forged-token' } });
    expect(forged.status).toBe(401);
  });

  describe('with write-back enabled', () => {
    beforeAll(() => {
      app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger, smart: { writeBack: true } }).app);
    });

    it('asks for the write scopes and writes the result back through the button, once', async () => {
      const client = new CookieClient();
      const { response, visited } = await ehrLaunch(client, ehr, 'ssc-potential');
      const authorize = new URL(visited.find((u) => u.startsWith(`${ehr.sandboxUrl}/auth`)) as string);
      expect(authorize.searchParams.get('scope')?.split(' ')).toContain('patient/ResearchSubject.cu');
      const page = await response.text();
      const form = /<form class="writeback"[\s\S]*?<\/form>/.exec(page.slice(page.indexOf('id="t-ssc-cart"')))?.[0] ?? '';
      const field = (name: string): string => decodeEntities(new RegExp(`name="${name}" value="([^"]*)"`).exec(form)?.[1] ?? '');
      const post = (): Promise<{ response: Response }> =>
        client.follow(`${app.url}/app/write-back`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
          body: new URLSearchParams({ csrf: field('csrf'), trial: field('trial'), asOf: '2026-06-15', leukapheresis: '2026-07-01' }).toString(),
        });
      const first = await post();
      const firstPage = await first.response.text();
      expect(first.response.status).toBe(200);
      const written = Number(/Written to the EHR for [^:]+: (\d+) resource/.exec(firstPage)?.[1]);
      expect(written).toBeGreaterThan(0);
      // Idempotent: the same result again changes nothing on the server.
      const again = await (await post()).response.text();
      expect(/Written to the EHR for [^:]+: (\d+) resource/.exec(again)?.[1]).toBe('0');
    });
  });
});
