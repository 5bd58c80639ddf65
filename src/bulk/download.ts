import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EligoError } from '../errors/eligo-error';
import { outcomeText } from '../fhir/http/fhir-http';
import { parseServerWait } from '../fhir/http/retry-policy';
import type { BulkHttp } from './bulk-http';
import { cancelled, jsonBody } from './bulk-http';
import { codeFor } from './kick-off';

export interface DownloadSettings {
  /** Abort a download that receives nothing for this long. */
  idleTimeoutMs: number;
}

export interface Downloaded {
  bytes: number;
  /** Non-empty lines: resources. */
  lines: number;
  resumedFromByte: number;
}

/** The partial file a download writes before it is complete (hidden: never read as data). */
export function partPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.part`);
}

/**
 * Streams one NDJSON file to disk. An interrupted download leaves its part file behind; the
 * next attempt asks for the rest with a Range request (export files do not change once the job
 * is complete) and starts over when the server ignores the Range. The file gets its final name
 * only when complete.
 */
export async function downloadFile(
  http: BulkHttp,
  url: string,
  target: string,
  withToken: boolean,
  settings: DownloadSettings,
  signal: AbortSignal | undefined,
): Promise<Downloaded> {
  const part = partPath(target);
  const have = await stat(part).then(
    (s) => s.size,
    () => 0,
  );
  const idle = new AbortController();
  const response = await http.send({
    method: 'GET',
    url,
    headers: { accept: 'application/fhir+ndjson', ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
    withToken,
    ...(signal ? { signal } : {}),
  });
  let resumedFromByte = 0;
  if (response.status === 416 && have > 0) {
    // The part already holds the whole file (the crash came after the last byte).
    await response.body?.cancel();
    resumedFromByte = have;
  } else if (response.status === 200 || response.status === 206) {
    resumedFromByte = response.status === 206 ? have : 0;
    if (!response.body) throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${http.shownBase} sent an export file with no body`, { where: http.shownBase });
    const timer = setTimeout(() => idle.abort(), settings.idleTimeoutMs);
    const keepAlive = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        timer.refresh();
        done(null, chunk);
      },
    });
    const abortSignal = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
    try {
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        keepAlive,
        createWriteStream(part, { flags: response.status === 206 ? 'a' : 'w' }),
        { signal: abortSignal },
      );
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      const why = idle.signal.aborted ? `received nothing for ${settings.idleTimeoutMs} ms` : `broke off (${error instanceof Error ? error.message : String(error)})`;
      throw new EligoError('ERR_FHIR_UNAVAILABLE', `the download of an export file from ${http.shownBase} ${why}; it resumes where it stopped`, { where: http.shownBase, cause: error });
    } finally {
      clearTimeout(timer);
    }
  } else {
    const body = await jsonBody(response);
    // A throttled (or briefly unavailable) file server says when to come back; the retry waits that long.
    const askedMs = response.status === 429 || response.status === 503 ? parseServerWait(response.headers, Date.now()) : undefined;
    throw new EligoError(codeFor(response.status), `FHIR server ${http.shownBase} answered ${response.status} to an export file download${outcomeText(body)}`, {
      where: http.shownBase,
      ...(askedMs === undefined ? {} : { retryAfterSeconds: Math.max(1, Math.ceil(askedMs / 1000)) }),
    });
  }
  const { bytes, lines } = await countLines(part);
  await rename(part, target);
  return { bytes, lines, resumedFromByte };
}

/** Bytes and non-empty lines of a file, streamed. */
export async function countLines(path: string): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  let lineHasContent = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === 0x0a) {
        if (lineHasContent) lines++;
        lineHasContent = false;
      } else if (byte !== 0x0d && byte !== 0x20 && byte !== 0x09) {
        lineHasContent = true;
      }
    }
  }
  if (lineHasContent) lines++;
  return { bytes, lines };
}
