import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWK } from 'jose';
import { createBackendServicesAuth, createBulkClient, discoverTokenEndpoint } from '../../src/bulk';
import { freePort, startAuthorizationServer, startSeededServer } from './support';
import type { AuthorizationServer, SeededServer } from './support';

const KICK_OFF = { prefer: 'respond-async', accept: 'application/fhir+json', 'content-type': 'application/fhir+json' };
const PATIENTS_ONLY = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Patient' }] });

async function clientKeys(alg: 'RS384' | 'ES384', kid: string): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

describe('SMART Backend Services for Bulk Data', () => {
  let authorization: AuthorizationServer;
  let fhir: SeededServer;
  let rsKeys: { publicJwk: JWK; privateJwk: JWK };
  let esKeys: { publicJwk: JWK; privateJwk: JWK };
  let folders: string;

  const auth = (clientId: 'bulk-rs' | 'bulk-es', scope = 'system/*.rs'): ReturnType<typeof createBackendServicesAuth> =>
    createBackendServicesAuth({
      tokenUrl: authorization.tokenUrl,
      clientId,
      privateKey: clientId === 'bulk-rs' ? rsKeys.privateJwk : esKeys.privateJwk,
      alg: clientId === 'bulk-rs' ? 'RS384' : 'ES384',
      scope,
    });

  beforeAll(async () => {
    folders = await mkdtemp(path.join(tmpdir(), 'eligo-backend-auth-'));
    rsKeys = await clientKeys('RS384', 'rs-1');
    esKeys = await clientKeys('ES384', 'es-1');
    // Each needs the other's URL: the FHIR server's port is chosen first, the authorization server started for it.
    const port = await freePort();
    const audience = `http://127.0.0.1:${port}/fhir`;
    authorization = await startAuthorizationServer({
      audience,
      clients: [
        { clientId: 'bulk-rs', alg: 'RS384', jwks: { keys: [rsKeys.publicJwk] } },
        { clientId: 'bulk-es', alg: 'ES384', jwks: { keys: [esKeys.publicJwk] } },
      ],
    });
    fhir = await startSeededServer({
      synthea: 2,
      port,
      bulkExport: {
        retryAfterSeconds: 1,
        accessToken: { issuer: authorization.issuer, jwksUri: authorization.jwksUri, tokenEndpoint: authorization.tokenUrl },
      },
    });
    expect(fhir.base).toBe(audience);
  });
  afterAll(async () => {
    await fhir?.running.close();
    await authorization?.stop();
    await rm(folders, { recursive: true, force: true });
  });

  it('gets a token with an RS384 client assertion addressed to the token URL, and reuses it until shortly before it expires', async () => {
    const backend = auth('bulk-rs');
    const token = await backend.token();
    expect(decodeProtectedHeader(token).alg).toBe('RS384');
    expect(decodeJwt(token)).toMatchObject({ iss: authorization.issuer, aud: fhir.base, client_id: 'bulk-rs', scope: 'system/*.rs' });
    expect(backend.grantedScope).toBe('system/*.rs');
    expect(await backend.token()).toBe(token);
    backend.invalidate(token);
    expect(await backend.token()).not.toBe(token);
  });

  it('gets a token for an ES384 client too, and finds the token endpoint in the SMART configuration', async () => {
    expect(await discoverTokenEndpoint(fhir.base)).toBe(authorization.tokenUrl);
    expect(decodeJwt(await auth('bulk-es').token())).toMatchObject({ client_id: 'bulk-es' });
  });

  it('is refused by the authorization server when the key is not the registered one', async () => {
    const impostor = createBackendServicesAuth({ tokenUrl: authorization.tokenUrl, clientId: 'bulk-rs', privateKey: esKeys.privateJwk, alg: 'ES384', scope: 'system/*.rs' });
    await expect(impostor.token()).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED', message: expect.stringContaining('invalid_client') });
  });

  it('refuses $export without a token, with a forged one, or with too narrow scopes; accepts the authorization server token', async () => {
    const kickOff = (token?: string, body = PATIENTS_ONLY): Promise<Response> =>
      fetch(`${fhir.base}/Patient/$export`, { method: 'POST', headers: { ...KICK_OFF, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
    const missing = await kickOff();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');

    // Same claims and key id as the real server's tokens, signed with a key it never published.
    const { privateKey } = await generateKeyPair('RS384');
    const forged = await new SignJWT({ scope: 'system/*.rs', client_id: 'bulk-rs' })
      .setProtectedHeader({ alg: 'RS384', kid: decodeProtectedHeader(await auth('bulk-rs').token()).kid as string, typ: 'at+jwt' })
      .setIssuer(authorization.issuer)
      .setAudience(fhir.base)
      .setSubject('bulk-rs')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const refused = await kickOff(forged);
    expect(refused.status).toBe(401);
    expect(JSON.stringify(await refused.json())).not.toContain(forged);

    const narrow = await kickOff(await auth('bulk-rs', 'system/Patient.rs').token(), JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Patient,Observation' }] }));
    expect(narrow.status).toBe(403);
    expect(JSON.stringify(await narrow.json())).toContain('Observation');

    const accepted = await kickOff(await auth('bulk-rs').token());
    expect(accepted.status).toBe(202);
    const statusUrl = accepted.headers.get('content-location') as string;
    expect((await fetch(statusUrl)).status).toBe(401);
    // Another client's valid token does not open this client's job.
    expect((await fetch(statusUrl, { headers: { authorization: `Bearer ${await auth('bulk-es').token()}` } })).status).toBe(404);
  });

  it('exports end to end with Backend Services tokens; the files need the token too', async () => {
    const client = createBulkClient({ baseUrl: fhir.base, auth: auth('bulk-es'), firstPollDelayMs: 0 });
    const requestsBefore = fhir.requests.length;
    const result = await client.export({ level: { kind: 'patient' }, types: ['Patient'] }, { outputDir: path.join(folders, 'export'), deleteAfterDownload: false });
    expect(result.files.map((f) => [f.type, f.count])).toEqual([['Patient', fhir.seeded.byType.Patient]]);
    const fileRequests = fhir.requests.slice(requestsBefore).filter((r) => r.url.includes('$export-file/'));
    expect(fileRequests.map((r) => r.status)).toEqual([200]);
    const manifestUrl = fhir.requests.slice(requestsBefore).filter((r) => r.url.includes('$export-status/')).at(-1)?.url ?? '';
    const fileUrl = fileRequests[0]?.url ?? '';
    const origin = new URL(fhir.base).origin;
    expect((await fetch(`${origin}${fileUrl}`)).status).toBe(401);
    const manifest = (await (await fetch(`${origin}${manifestUrl}`, { headers: { authorization: `Bearer ${await auth('bulk-es').token()}` } })).json()) as { requiresAccessToken: boolean };
    expect(manifest.requiresAccessToken).toBe(true);
  });
});
