import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiKeys, generateApiKey, hashApiKey } from '../src/access/api-keys';
import { BearerVerifier } from '../src/access/bearer';
import { ALL_SERVICE_SCOPES } from '../src/access/decide';
import { fhirPorts } from '../src/app/fhir-ports';
import { createApp, type AppDeps } from '../src/http/create-app';
import { createLogger } from '../src/log';
import { loadCatalog } from '../src/mapping/compile';
import { MemoryReportStore } from '../src/report/store';

/** The API in front of a FHIR server for the benches: one key with every scope, a frozen clock. */
export async function benchService(fhirBaseUrl: string, extra: Partial<AppDeps> = {}): Promise<{ base: string; headers: Record<string, string>; close(): Promise<void> }> {
  const key = generateApiKey();
  const now = (): Date => new Date('2026-06-15T12:00:00Z');
  const ports = fhirPorts({ baseUrl: fhirBaseUrl });
  const app = createApp({
    catalog: loadCatalog(),
    reports: new MemoryReportStore(),
    source: ports.source,
    now,
    log: createLogger({ level: 'silent' }),
    access: { bearer: new BearerVerifier([], now), apiKeys: new ApiKeys([{ name: 'bench', sha256: hashApiKey(key), scopes: [...ALL_SERVICE_SCOPES] }]), authDisabled: false, now },
    ...extra,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
