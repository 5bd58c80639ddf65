import path from 'node:path';
import { ApiKeys, generateApiKey, hashApiKey, loadApiKeysFile } from '../access/api-keys';
import type { AccessDeps } from '../access/authenticate';
import { BearerVerifier } from '../access/bearer';
import { accessSettingsFromEnv } from '../access/config';
import { ALL_SERVICE_SCOPES } from '../access/decide';
import { AuditLogs, FileAuditLog } from '../audit/file-audit-log';
import { FhirAuditLog } from '../audit/fhir-audit-log';
import type { AuditLog } from '../audit/types';
import type { FhirHttp } from '../fhir/http/fhir-http';
import type { Logger } from '../log';

export interface ServiceAccess {
  deps: Omit<AccessDeps, 'smart'>;
  /** The demo's one-off API key (every scope), printed by `npm start`; only with the embedded demo server and no credentials configured. */
  demoApiKey?: string;
}

/**
 * Who may call the API, from the environment: trusted token issuers, the API keys file, or
 * ELIGO_AUTH=off on loopback. The demo (embedded FHIR server, nothing configured) gets a fresh
 * key per start, so `npm start` still works in one command without leaving the API open.
 */
export function accessFromEnv(
  env: NodeJS.ProcessEnv,
  options: { host: string; dataDir: string; demo: boolean; log: Logger; now: () => Date; publicUrl: string; fhirHttp: FhirHttp; auditToFhir: boolean },
): ServiceAccess {
  const settings = accessSettingsFromEnv(env, options.host);
  let apiKeys = settings.apiKeysFile ? loadApiKeysFile(settings.apiKeysFile) : new ApiKeys([]);
  let demoApiKey: string | undefined;
  if (options.demo && !settings.apiKeysFile && settings.issuers.length === 0 && !settings.authDisabled) {
    demoApiKey = generateApiKey();
    apiKeys = new ApiKeys([{ name: 'demo', sha256: hashApiKey(demoApiKey), scopes: [...ALL_SERVICE_SCOPES] }]);
  }
  if (settings.authDisabled) options.log.warn('ELIGO_AUTH=off: every caller on loopback may use the whole API');
  else if (apiKeys.size === 0 && settings.issuers.length === 0) {
    options.log.warn('no API keys or token issuers configured: the API answers SMART sessions only');
  }
  return {
    deps: {
      bearer: new BearerVerifier(settings.issuers, options.now),
      apiKeys,
      authDisabled: settings.authDisabled,
      audit: auditLogFrom(options),
      now: options.now,
    },
    ...(demoApiKey ? { demoApiKey } : {}),
  };
}

/** The audit file always; AuditEvents on the FHIR server too with ELIGO_AUDIT_FHIR=true. */
function auditLogFrom(options: { dataDir: string; log: Logger; publicUrl: string; fhirHttp: FhirHttp; auditToFhir: boolean }): AuditLog {
  const file = new FileAuditLog(path.join(options.dataDir, 'audit'), options.log);
  return options.auditToFhir ? new AuditLogs([file, new FhirAuditLog(options.fhirHttp, `eligo ${options.publicUrl}`, options.log)]) : file;
}
