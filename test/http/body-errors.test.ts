import express from 'express';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { errorHandler, errorToOutcome } from '../../src/http/operation-outcome';

interface Answer {
  status: number;
  contentType: string | undefined;
  outcome: OperationOutcome;
}

/** Every error the handler sees, with what errorToOutcome made of it (an aborted request gets no answer to read). */
const seen: Array<ReturnType<typeof errorToOutcome>> = [];
let onSeen: (() => void) | undefined;
const logged: unknown[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  const app = express();
  app.use(express.json({ limit: '1kb', type: ['application/json', 'application/fhir+json'] }));
  app.post('/echo', (req, res) => {
    res.json({ got: req.body as unknown });
  });
  app.use((error: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    seen.push(errorToOutcome(error));
    onSeen?.();
    next(error);
  });
  app.use(errorHandler((_message, error) => logged.push(error)));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  logged.length = 0;
});

function post(headers: Record<string, string>, body: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], outcome: JSON.parse(text) as OperationOutcome });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (charset?: string) => ({ 'content-type': `application/json${charset ? `; charset=${charset}` : ''}` });
const SECRET = '{"name":"Jane Secret-Patient","n":1}';

function expectOutcome(answer: Answer, status: number, code: string, diagnostics: RegExp): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toMatch(/^application\/fhir\+json/);
  expect(answer.outcome.resourceType).toBe('OperationOutcome');
  expect(answer.outcome.issue).toHaveLength(1);
  expect(answer.outcome.issue[0]).toMatchObject({ severity: 'error', code });
  expect(answer.outcome.issue[0]?.diagnostics).toMatch(diagnostics);
  expect(JSON.stringify(answer.outcome)).not.toContain('Secret-Patient');
  // Client mistakes are not logged as server failures.
  expect(logged).toEqual([]);
}

describe('express.json() errors through errorHandler, over HTTP', () => {
  it('reads a good body (the app under test works)', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: json('utf-8'), body: SECRET });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: JSON.parse(SECRET) as unknown });
  });

  it('refuses a charset other than UTF-8 with 415 naming the charset', async () => {
    expectOutcome(await post(json('latin1'), SECRET), 415, 'not-supported', /^ERR_MEDIA_UNSUPPORTED: request body charset "latin1" is not supported; send JSON in UTF-8$/);
  });

  it('refuses a UTF charset it cannot decode with 415', async () => {
    expectOutcome(await post(json('utf-9'), SECRET), 415, 'not-supported', /^ERR_MEDIA_UNSUPPORTED: request body charset "utf-9"/);
  });

  it('refuses an unknown Content-Encoding with 415 naming it', async () => {
    expectOutcome(await post({ ...json(), 'content-encoding': 'compress' }, SECRET), 415, 'not-supported', /^ERR_MEDIA_UNSUPPORTED: Content-Encoding "compress" is not supported/);
  });

  it('reads a gzip body, and answers 400 for one that does not inflate', async () => {
    const good = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { ...json(), 'content-encoding': 'gzip' }, body: gzipSync(SECRET) });
    expect(good.status).toBe(200);
    const corrupt = gzipSync(SECRET);
    corrupt.fill(0x41, 10);
    expectOutcome(await post({ ...json(), 'content-encoding': 'gzip' }, corrupt), 400, 'invalid', /^ERR_INPUT_INVALID: request body could not be decompressed/);
  });

  it('answers 400 for a truncated gzip body and a body that is not brotli', async () => {
    expectOutcome(await post({ ...json(), 'content-encoding': 'gzip' }, gzipSync(SECRET).subarray(0, 15)), 400, 'invalid', /^ERR_INPUT_INVALID: request body could not be decompressed/);
    expectOutcome(await post({ ...json(), 'content-encoding': 'br' }, Buffer.from(SECRET)), 400, 'invalid', /^ERR_INPUT_INVALID: request body could not be decompressed/);
    const br = brotliCompressSync(SECRET);
    expect((await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { ...json(), 'content-encoding': 'br' }, body: br })).status).toBe(200);
  });

  it('answers 400 for malformed JSON without echoing it', async () => {
    expectOutcome(await post(json(), SECRET.slice(0, -1)), 400, 'invalid', /^ERR_INPUT_INVALID: request body is not valid JSON$/);
  });

  it('answers 413 for a body over the limit, naming the limit', async () => {
    const big = JSON.stringify({ name: 'Jane Secret-Patient', pad: 'x'.repeat(4096) });
    expectOutcome(await post(json(), big), 413, 'too-costly', /^ERR_INPUT_TOO_LARGE: request body too large \(limit 1024 bytes\)$/);
  });

  it('answers 400 for a body shorter than its Content-Length says', async () => {
    const handled = new Promise<void>((resolve) => (onSeen = resolve));
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', headers: { ...json(), 'content-length': '500' } });
    req.on('error', () => {
      // Expected: the request is cut off on purpose; what the server made of it is in `seen`.
    });
    req.write(SECRET, () => req.destroy());
    await handled;
    const answer = seen[0] as ReturnType<typeof errorToOutcome>;
    expect(answer.status).toBe(400);
    expect(answer.outcome.issue[0]).toMatchObject({ code: 'incomplete', diagnostics: 'ERR_INPUT_INVALID: request aborted before its body was complete' });
    expect(logged).toEqual([]);
  });
});
