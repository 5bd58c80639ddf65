import { startChild } from '../support/child';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import { createFhirServer, loadFhirFiles } from '../../src/server';
import type { FhirServer, FhirServerOptions, LoadSummary, RunningFhirServer } from '../../src/server';

export const ROOT = path.resolve(__dirname, '../..');
export const EXAMPLES = path.join(ROOT, 'examples');
const SYNTHEA = path.resolve(ROOT, '../shared/fhir-samples/synthea-r4');

/** The `count` smallest Synthea bundles (smallest first keeps load and export time down). */
export function smallestSynthea(count: number): string[] {
  return readdirSync(SYNTHEA)
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(SYNTHEA, f))
    .sort((a, b) => statSync(a).size - statSync(b).size || a.localeCompare(b))
    .slice(0, count);
}

export interface SeededServer {
  server: FhirServer;
  running: RunningFhirServer;
  base: string;
  seeded: LoadSummary;
  /** Every request the server answered: method, path (query included) and status. */
  requests: { method: string; url: string; status: number; at: number }[];
}

/** The embedded FHIR server seeded with the examples and `synthea` Synthea patients, recording the requests it answers. */
export async function startSeededServer(options: FhirServerOptions & { synthea: number; port?: number }): Promise<SeededServer> {
  const requests: SeededServer['requests'] = [];
  const record: RequestHandler = (req: Request, res, next) => {
    const at = Date.now();
    res.on('finish', () => requests.push({ method: req.method, url: req.originalUrl, status: res.statusCode, at }));
    next();
  };
  const { synthea, port, ...serverOptions } = options;
  const server = createFhirServer({ ...serverOptions, middleware: [record, ...(serverOptions.middleware ?? [])] });
  const seeded = await loadFhirFiles(server, [EXAMPLES, ...smallestSynthea(synthea)]);
  const running = await server.listen(port ?? 0);
  return { server, running, base: running.baseUrl, seeded, requests };
}

/** A port free right now (for servers that must know each other's URL before they start). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface AuthorizationServer {
  issuer: string;
  tokenUrl: string;
  jwksUri: string;
  stop(): Promise<void>;
}

/** The oidc-provider authorization server (support/authorization-server.ts) in a child process. */
export async function startAuthorizationServer(config: { audience: string; clients: { clientId: string; alg: 'RS384' | 'ES384'; jwks: { keys: object[] } }[] }): Promise<AuthorizationServer> {
  const { child, line } = await startChild(path.join(__dirname, 'support/authorization-server.ts'), {
    env: { ...process.env, AUTH_CONFIG: JSON.stringify(config) },
    what: 'the authorization server',
    timeoutMs: 30_000,
  });
  const info = JSON.parse(line) as { issuer: string; tokenUrl: string; jwksUri: string };
  return {
    ...info,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      await exited;
    },
  };
}

/** NDJSON text as resources. */
export function parseNdjson(text: string): { resourceType: string; id?: string; [key: string]: unknown }[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { resourceType: string; id?: string });
}
