import type { Response } from 'express';
import { isEligoError } from '../../src/errors/eligo-error';
import { stubServer } from './stub-server';
import { createFhirSource } from '../../src/fhir';
import type { RetryEvent } from '../../src/fhir';
import { DEFAULT_RETRY_POLICY, parseRateLimit, parseResetHeader, parseServerWait, retryDelayMs } from '../../src/fhir/http/retry-policy';

function fhir(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set({ 'content-type': 'application/fhir+json', ...headers }).send(JSON.stringify(body));
}

const THROTTLED = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', details: { text: 'Too many requests' } }] };

/** Headers as fetch gives them, for the parsers. */
const headers = (h: Record<string, string>): Headers => new Headers(h);

describe('the waits a throttling server asks for', () => {
  // A frozen clock: every wait below is computed against this instant.
  const now = Date.parse('2026-06-15T10:00:00Z');

  it('takes Retry-After first, then RateLimit, then RateLimit-Reset, then X-RateLimit-Reset', () => {
    expect(parseServerWait(headers({ 'retry-after': '3', ratelimit: '"requests";r=0;t=42', 'ratelimit-reset': '9' }), now)).toBe(3000);
    expect(parseServerWait(headers({ ratelimit: '"requests";r=0;t=42', 'ratelimit-reset': '9' }), now)).toBe(42_000);
    expect(parseServerWait(headers({ 'ratelimit-policy': '"requests";q=100;w=60', 'ratelimit-reset': '9', 'x-ratelimit-reset': '5' }), now)).toBe(9000);
    expect(parseServerWait(headers({ 'x-ratelimit-reset': '5' }), now)).toBe(5000);
    expect(parseServerWait(headers({ 'ratelimit-policy': '"requests";q=100;w=60' }), now)).toBeUndefined();
  });

  it('reads the t of the tightest RateLimit policy', () => {
    expect(parseRateLimit('"requests";r=0;t=42')).toBe(42_000);
    // The spent policy decides, not the one with quota left.
    expect(parseRateLimit('"burst";r=5;t=1, "daily";r=0;t=3600')).toBe(3_600_000);
    // Two spent: both must reset before a request passes.
    expect(parseRateLimit('"a";r=0;t=10, "b";r=0;t=30, "c";r=9;t=1')).toBe(30_000);
    expect(parseRateLimit('"requests";t=7')).toBe(7000);
    // The older draft's form.
    expect(parseRateLimit('limit=100, remaining=0, reset=12')).toBe(12_000);
    expect(parseRateLimit('"requests";r=0')).toBeUndefined();
    expect(parseRateLimit('nonsense')).toBeUndefined();
  });

  it('reads a reset as seconds to wait, or as the Unix time of the reset (seconds or milliseconds)', () => {
    expect(parseResetHeader('42', now)).toBe(42_000);
    expect(parseResetHeader(String(now / 1000 + 20), now)).toBe(20_000);
    expect(parseResetHeader(String(now + 1500), now)).toBe(1500);
    // A reset already past: no wait.
    expect(parseResetHeader(String(now / 1000 - 5), now)).toBe(0);
    expect(parseResetHeader('soon', now)).toBeUndefined();
  });

  it('waits out a one-minute window by default, and no more than the cap', () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelayMs({ ...DEFAULT_RETRY_POLICY, retryAfterCapMs: 5000 }, 1, 60_000, () => 0.5)).toBe(5000);
  });
});

describe('a server that throttles with RateLimit headers and no Retry-After', () => {
  it('waits as long as the RateLimit header says and then reads', async () => {
    const WINDOW_MS = 2000;
    let windowEnds: number | undefined;
    const stub = await stubServer((_req, res) => {
      windowEnds ??= Date.now() + WINDOW_MS;
      const left = windowEnds - Date.now();
      if (left > 0) fhir(res, 429, THROTTLED, { ratelimit: `"requests";r=0;t=${Math.ceil(left / 1000)}`, 'ratelimit-policy': '"requests";q=100;w=60' });
      else fhir(res, 200, { resourceType: 'Patient', id: 'p1' });
    });
    try {
      const retries: RetryEvent[] = [];
      const source = createFhirSource({ baseUrl: stub.base, retries: 3, retryBaseDelayMs: 1, onRetry: (e) => retries.push(e) });
      const response = await source.http.send({ method: 'GET', url: 'Patient/p1', idempotent: true });
      expect(response.status).toBe(200);
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(retries.every((r) => r.reason === 'answered 429')).toBe(true);
      // The first wait is the whole window, as the header said; any later one (a timer firing a hair early) is what was left of it.
      expect(retries[0]?.delayMs).toBe(2000);
      expect(retries.every((r) => r.delayMs % 1000 === 0 && r.delayMs <= 2000)).toBe(true);
    } finally {
      await stub.close();
    }
  });

  it('says the server throttled it, and for how long, when the window outlasts the retries', async () => {
    const stub = await stubServer((_req, res) => fhir(res, 429, THROTTLED, { 'x-ratelimit-reset': '1' }));
    try {
      const retries: RetryEvent[] = [];
      const error: unknown = await createFhirSource({ baseUrl: stub.base, retries: 1, onRetry: (e) => retries.push(e) })
        .http.send({ method: 'GET', url: 'Patient/p1', idempotent: true })
        .catch((e: unknown) => e);
      expect(retries.map((r) => r.delayMs)).toEqual([1000]);
      expect(isEligoError(error, 'ERR_FHIR_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toBe(`FHIR server ${stub.base} answered 429 for GET Patient/p1 (2 attempts)`);
      // A caller with time (a cohort run) reads when to come back from the error.
      expect((error as { retryAfterSeconds?: number }).retryAfterSeconds).toBe(1);
    } finally {
      await stub.close();
    }
  });
});

describe('2xx answers that cannot be read', () => {
  it('retries a read answered with an HTML page or cut-off JSON, and reads the good answer that follows', async () => {
    const stub = await stubServer((_req, res, n) => {
      if (n === 1) res.status(200).type('text/html').send('<html><body>Please sign in</body></html>');
      else if (n === 2) res.status(200).type('application/fhir+json').send('{"resourceType":"Patient","id":"p');
      else fhir(res, 200, { resourceType: 'Patient', id: 'p1' });
    });
    try {
      const retries: RetryEvent[] = [];
      const source = createFhirSource({ baseUrl: stub.base, retries: 3, retryBaseDelayMs: 1, onRetry: (e) => retries.push(e) });
      const response = await source.http.send({ method: 'GET', url: 'Patient/p1', idempotent: true });
      expect(response.body).toEqual({ resourceType: 'Patient', id: 'p1' });
      expect(retries.map((r) => r.reason)).toEqual([
        'gave an answer that could not be read (200 with an HTML page)',
        'gave an answer that could not be read (200 with a body that is not JSON, cut off or garbled)',
      ]);
    } finally {
      await stub.close();
    }
  });

  it('fails a read with ERR_FHIR_UNAVAILABLE naming the server once the retries are spent', async () => {
    const stub = await stubServer((_req, res) => res.status(200).type('application/fhir+json').send('{"resourceType":"Bundle","entry":[{'));
    try {
      const error: unknown = await createFhirSource({ baseUrl: stub.base, retries: 2, retryBaseDelayMs: 1 })
        .http.send({ method: 'GET', url: 'Condition?code=x', idempotent: true })
        .catch((e: unknown) => e);
      expect(isEligoError(error, 'ERR_FHIR_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toBe(
        `FHIR server ${stub.base} gave an answer that could not be read (200 with a body that is not JSON, cut off or garbled) for GET Condition?code=… (3 attempts)`,
      );
      expect(stub.seen).toHaveLength(3);
    } finally {
      await stub.close();
    }
  });

  it('does not repeat a write answered with an unreadable 2xx: it may have been applied', async () => {
    const stub = await stubServer((_req, res) => res.status(200).type('text/html').send('<html>OK</html>'));
    try {
      const error: unknown = await createFhirSource({ baseUrl: stub.base, retries: 3, retryBaseDelayMs: 1 })
        .http.send({ method: 'POST', url: '', idempotent: false, body: { resourceType: 'Bundle', type: 'transaction', entry: [] } })
        .catch((e: unknown) => e);
      expect(stub.seen).toHaveLength(1);
      expect(isEligoError(error, 'ERR_FHIR_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toBe(
        `FHIR server ${stub.base} gave an answer that could not be read (200 with an HTML page) for POST / (1 attempt); the write may or may not have been applied`,
      );
    } finally {
      await stub.close();
    }
  });
});
