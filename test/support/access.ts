import { ApiKeys, generateApiKey, hashApiKey } from '../../src/access/api-keys';
import type { AccessDeps } from '../../src/access/authenticate';
import { BearerVerifier, type TrustedIssuer } from '../../src/access/bearer';
import { ALL_SERVICE_SCOPES } from '../../src/access/decide';
import type { AuditLog, AuditRecord } from '../../src/audit/types';

export interface TestAccess {
  deps: Omit<AccessDeps, 'smart'>;
  /** The key of each named holder, to send as `Authorization: Bearer <key>`. */
  keys: Record<string, string>;
  /** Headers carrying the named holder's key ("service" holds every scope). */
  as(name: string): Record<string, string>;
}

/**
 * Real access wiring for tests: API keys (hashed, as from a keys file) for named holders, and
 * optional trusted issuers. "service" holds every scope unless the caller names its own.
 */
export function testAccess(options: { holders?: Record<string, readonly string[]>; issuers?: TrustedIssuer[]; audit?: AuditLog; authDisabled?: boolean; now?: () => Date } = {}): TestAccess {
  const holders = options.holders ?? { service: ALL_SERVICE_SCOPES };
  const keys: Record<string, string> = {};
  const entries = Object.entries(holders).map(([name, scopes]) => {
    const key = generateApiKey();
    keys[name] = key;
    return { name, sha256: hashApiKey(key), scopes: [...scopes] };
  });
  const now = options.now ?? (() => new Date());
  return {
    deps: {
      bearer: new BearerVerifier(options.issuers ?? [], now),
      apiKeys: new ApiKeys(entries),
      authDisabled: options.authDisabled ?? false,
      ...(options.audit ? { audit: options.audit } : {}),
      now,
    },
    keys,
    as: (name) => {
      const key = keys[name];
      if (!key) throw new Error(`no test key holder named ${name}`);
      return { authorization: `Bearer ${key}` };
    },
  };
}

/** An audit destination that keeps records in memory, for assertions. */
export class RecordingAuditLog implements AuditLog {
  readonly records: AuditRecord[] = [];
  record(entry: AuditRecord): void {
    this.records.push(entry);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
