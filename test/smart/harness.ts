import { startChild } from '../support/child';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import type { CohortService } from '../../src/cohort';
import { createApp } from '../../src/http/create-app';
import { createLogger, type Logger } from '../../src/log';
import { loadCatalog, type Catalog } from '../../src/mapping/compile';
import { MemoryReportStore } from '../../src/report/store';
import { createSmartContext, parseSmartConfig, type SmartConfigInput, type SmartContext } from '../../src/smart';
import { testAccess, type TestAccess } from '../support/access';
import type { SmartStorage } from '../../src/smart/storage/storage';

const ROOT = path.resolve(__dirname, '../..');
export const catalog: Catalog = loadCatalog();

/** Everything the service logs, as text, to check that no secret or name leaks. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly logger: Logger;
  constructor() {
    const lines = this.lines;
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    this.logger = createLogger({ level: 'debug', destination: stream });
  }
  get text(): string {
    return this.lines.join('');
  }
}

export interface RunningEhr {
  fhirBaseUrl: string;
  sandboxUrl: string;
  stop(): Promise<void>;
}

/** The sandbox EHR (embedded FHIR server with the examples + oidc-provider) in a child process. */
export async function startEhr(appBaseUrl: string, env: Record<string, string> = {}): Promise<RunningEhr> {
  const { child, line } = await startChild(path.join(ROOT, 'src/sandbox/dev-ehr.ts'), {
    env: { ...process.env, ELIGO_SANDBOX_APP_URL: appBaseUrl, ELIGO_LOG_LEVEL: 'warn', ...env },
    what: 'the sandbox',
    timeoutMs: 60_000,
  });
  const { fhirBaseUrl, sandboxUrl } = JSON.parse(line) as { fhirBaseUrl: string; sandboxUrl: string };
  return {
    fhirBaseUrl,
    sandboxUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.stdin?.end();
        child.kill('SIGTERM');
      }),
  };
}

/** An HTTP server listening before the app exists, so the EHR can be told its URL first; `mount` swaps the app. */
export interface ReservedServer {
  url: string;
  server: Server;
  mount(app: Express): void;
  close(): Promise<void>;
}

export async function reserveServer(): Promise<ReservedServer> {
  let current: Express | undefined;
  const server = createServer((req, res) => {
    if (current) {
      current(req, res);
    } else {
      res.statusCode = 503;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    mount: (app) => {
      current = app;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface EligoUnderTest {
  app: Express;
  smart: SmartContext;
  reports: MemoryReportStore;
  /** API keys of the service callers (`access.as('service')` holds every scope). */
  access: TestAccess;
}

/** The service as the composition root wires it: SMART and page routers, authentication on /api, the core API. */
export function buildEligo(options: {
  appBaseUrl: string;
  iss: string;
  log: Logger;
  smart?: Partial<SmartConfigInput>;
  storage?: SmartStorage;
  now?: () => Date;
  access?: TestAccess;
  cohort?: CohortService;
  /** The SMART layer's clock (token refresh, session expiry), so a test can move past a token's life without waiting. */
  smartNow?: () => number;
}): EligoUnderTest {
  const config = parseSmartConfig({ appBaseUrl: options.appBaseUrl, clients: [{ iss: options.iss, clientId: 'eligo' }], ...options.smart });
  const smart = createSmartContext(config, options.log, {
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.smartNow ? { now: options.smartNow } : {}),
  });
  const reports = new MemoryReportStore();
  const now = options.now ?? (() => new Date('2026-06-15T12:00:00Z'));
  const access = options.access ?? testAccess({ now });
  const app = createApp({ catalog, reports, now, log: options.log, smart, access: access.deps, ...(options.cohort ? { cohort: options.cohort } : {}) });
  return { app, smart, reports, access };
}

/** A small browser stand-in: a cookie jar (by host, as browsers share cookies across ports) and manual redirects. */
export class CookieClient {
  private readonly jar = new Map<string, Map<string, string>>();

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    cookies.set(name, value);
    this.jar.set(host, cookies);
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = this.jar.get(target.hostname);
    const headers = new Headers(init.headers);
    if (cookies && cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const jar = this.jar.get(target.hostname) ?? new Map<string, string>();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') jar.delete(name);
      else jar.set(name, value);
      this.jar.set(target.hostname, jar);
    }
    return response;
  }

  /** Follows redirects like a browser (303 and 302 after POST become GET); returns the last response and every URL visited. */
  async follow(url: string, init: RequestInit = {}, stopBefore?: (url: string) => boolean): Promise<{ response: Response; visited: string[] }> {
    const visited: string[] = [url];
    let current = url;
    let currentInit = init;
    for (let hop = 0; hop < 15; hop++) {
      const response = await this.request(current, currentInit);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, visited };
      await response.arrayBuffer();
      current = new URL(location, current).toString();
      visited.push(current);
      if (stopBefore?.(current)) return { response, visited };
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && currentInit.method === 'POST')) currentInit = {};
    }
    throw new Error(`too many redirects: ${visited.join(' -> ')}`);
  }
}

/** A real EHR launch over HTTP: the launcher's launch id, then the app's /smart/launch through the EHR and back. */
export async function ehrLaunch(
  client: CookieClient,
  ehr: RunningEhr,
  patientId: string,
  stopBefore?: (url: string) => boolean,
): Promise<{ response: Response; visited: string[] }> {
  return client.follow(await launchUrlFromChart(client, ehr, patientId), {}, stopBefore);
}

/** The app URL the sandbox's chart page frames: /smart/launch?iss=...&launch=... */
export async function launchUrlFromChart(client: CookieClient, ehr: RunningEhr, patientId: string): Promise<string> {
  const chart = await client.request(`${ehr.sandboxUrl}/ehr/launch?patient=${encodeURIComponent(patientId)}`);
  const page = await chart.text();
  const src = /<iframe[^>]*src="([^"]+)"/.exec(page)?.[1];
  if (!src) throw new Error(`no app frame on the chart page (${chart.status})`);
  return decodeEntities(src);
}

/** Runs an EHR launch up to the EHR's redirect back to the app, and returns that callback URL unvisited. */
export async function callbackUrl(client: CookieClient, ehr: RunningEhr, appUrl: string, patientId: string): Promise<URL> {
  const { visited } = await ehrLaunch(client, ehr, patientId, (url) => url.startsWith(`${appUrl}/smart/callback`));
  return new URL(visited[visited.length - 1] as string);
}

export function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}
