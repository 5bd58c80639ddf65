import type { Response } from 'express';
import { isEligoError } from '../../src/errors/eligo-error';
import { stubServer } from './stub-server';
import { createFhirSource } from '../../src/fhir';
import type { RetryEvent } from '../../src/fhir';
import { parseRetryAfter, retryDelayMs, DEFAULT_RETRY_POLICY } from '../../src/fhir/http/retry-policy';

const statement = (interaction: string[] = []) => ({
  resourceType: 'CapabilityStatement',
  status: 'active',
  kind: 'instance',
  fhirVersion: '4.0.1',
  format: ['json'],
  date: '2024-01-01',
  rest: [{ mode: 'server', interaction: interaction.map((code) => ({ code })) }],
});

function fhir(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set({ 'content-type': 'application/fhir+json', ...headers }).send(JSON.stringify(body));
}

describe('retries, timeouts and errors talking to a FHIR server', () => {
  it('retries a 500 and then a 429 with Retry-After: 1, and succeeds', async () => {
    const stub = await stubServer((_req, res, n) => {
      if (n === 1) fhir(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
      else if (n === 2) fhir(res, 429, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] }, { 'retry-after': '1' });
      else fhir(res, 200, statement(['batch']));
    });
    try {
      const retries: RetryEvent[] = [];
      const source = createFhirSource({ baseUrl: stub.base, retries: 3, retryBaseDelayMs: 1, onRetry: (e) => retries.push(e) });
      const capabilities = await source.capabilities();
      expect(capabilities.batch).toBe(true);
      expect(stub.seen.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /fhir/metadata', 'GET /fhir/metadata', 'GET /fhir/metadata']);
      expect(retries.map((r) => [r.attempt, r.reason])).toEqual([
        [1, 'answered 500'],
        [2, 'answered 429'],
      ]);
      expect(retries[1]?.delayMs).toBe(1000);
      expect(source.roundTrips).toBe(3);
    } finally {
      await stub.close();
    }
  });

  it('gives up after the last retry with ERR_FHIR_UNAVAILABLE naming the server, the request and the attempts', async () => {
    const stub = await stubServer((_req, res) => fhir(res, 503, { resourceType: 'OperationOutcome', issue: [] }));
    try {
      const error: unknown = await createFhirSource({ baseUrl: stub.base, retries: 2, retryBaseDelayMs: 1 }).capabilities().catch((e: unknown) => e);
      expect(isEligoError(error, 'ERR_FHIR_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toBe(`FHIR server ${stub.base} answered 503 for GET metadata (3 attempts)`);
      expect(stub.seen).toHaveLength(3);
    } finally {
      await stub.close();
    }
  });

  it('times out on a server that never answers, naming the server and the request but no query values or token', async () => {
    const stub = await stubServer((req, res) => {
      if (req.path === '/fhir/metadata') fhir(res, 200, statement());
      else if (req.path === '/fhir/Patient/p-secret-7') fhir(res, 200, { resourceType: 'Patient', id: 'p-secret-7' });
      // every search hangs
    });
    try {
      const source = createFhirSource({ baseUrl: stub.base, timeoutMs: 200, retries: 1, retryBaseDelayMs: 1, bearerToken: 'token-abc-123', concurrency: 2 });
      const error: unknown = await source.fetchPatientResources('p-secret-7').catch((e: unknown) => e);
      expect(isEligoError(error, 'ERR_FHIR_UNAVAILABLE')).toBe(true);
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`^FHIR server ${stub.base} did not answer within 200 ms for GET [A-Za-z]+\\?(patient|individual)=…&_count=… \\(2 attempts\\)$`));
      expect(message).not.toContain('p-secret-7');
      expect(message).not.toContain('token-abc-123');
      expect(stub.seen.every((r) => r.get('authorization') === 'Bearer token-abc-123')).toBe(true);
    } finally {
      await stub.close();
    }
  });

  it('does not repeat a write whose outcome a 500 leaves unknown', async () => {
    const stub = await stubServer((_req, res) => fhir(res, 500, { resourceType: 'OperationOutcome', issue: [] }));
    try {
      const source = createFhirSource({ baseUrl: stub.base, retries: 3, retryBaseDelayMs: 1 });
      const response = await source.http.send({ method: 'POST', url: '', idempotent: false, body: { resourceType: 'Bundle', type: 'transaction', entry: [] } });
      expect(response.status).toBe(500);
      expect(stub.seen).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it('will not send the token to another origin named by a paging link', async () => {
    const stub = await stubServer((req, res) => {
      if (req.path === '/fhir/metadata') fhir(res, 200, statement());
      else if (req.path === '/fhir/Patient/p1') fhir(res, 200, { resourceType: 'Patient', id: 'p1' });
      else fhir(res, 200, { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: 'http://127.0.0.1:9/fhir/page2' }] });
    });
    try {
      const error: unknown = await createFhirSource({ baseUrl: stub.base, bearerToken: 't' }).fetchPatientResources('p1').catch((e: unknown) => e);
      expect(isEligoError(error, 'ERR_FHIR_REQUEST_FAILED')).toBe(true);
      expect((error as Error).message).toContain('another origin (http://127.0.0.1:9)');
    } finally {
      await stub.close();
    }
  });

  it('renews an expired Backend Services token once after a 401 and carries on; a fixed token that is refused stays refused', async () => {
    let current = 'token-2';
    const stub = await stubServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${current}`) fhir(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
      else fhir(res, 200, statement(['batch']));
    });
    try {
      const issued = ['token-1', 'token-2'];
      const invalidated: string[] = [];
      let cached: string | undefined;
      const accessTokens = {
        token: () => Promise.resolve((cached ??= issued.shift() ?? 'none')),
        invalidate: (token: string) => {
          invalidated.push(token);
          if (cached === token) cached = undefined;
        },
      };
      const renewing = createFhirSource({ baseUrl: stub.base, accessTokens, retries: 0 });
      expect((await renewing.capabilities()).batch).toBe(true);
      expect(invalidated).toEqual(['token-1']);
      expect(stub.seen.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);

      current = 'token-3';
      const fixed = createFhirSource({ baseUrl: stub.base, bearerToken: 'token-2', retries: 0 });
      const seenBefore = stub.seen.length;
      const error: unknown = await fixed.fetchPatientResources('p1').catch((e: unknown) => e);
      expect(isEligoError(error)).toBe(true);
      expect((error as Error).message).toContain('401');
      // Asked once per request with the fixed token: nothing to renew, nothing repeated.
      expect(stub.seen.slice(seenBefore).every((r) => r.headers.authorization === 'Bearer token-2')).toBe(true);
      expect((error as Error).message).not.toContain('token-2');
    } finally {
      await stub.close();
    }
  });

  it('reads Retry-After as seconds or an HTTP date, and caps it', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:27:58 GMT');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(2000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(retryDelayMs({ ...DEFAULT_RETRY_POLICY, retryAfterCapMs: 30_000 }, 1, 120_000, () => 0.5)).toBe(30_000);
    // Without Retry-After: full jitter under a ceiling that doubles per attempt.
    expect(retryDelayMs({ ...DEFAULT_RETRY_POLICY, baseDelayMs: 100 }, 3, undefined, () => 0.999)).toBe(399);
  });
});
