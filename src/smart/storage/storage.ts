/**
 * Where launches and sessions are kept, keyed by `launch:<state>` or `session:<id>` (client-js's
 * Storage split: the flow only sees this port). Values are JSON; an expired entry reads as absent.
 */
export interface SmartStorage {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** True when something was removed. */
  unset(key: string): Promise<boolean>;
}

export interface StoredEntry {
  expiresAt: number;
  value: unknown;
}

export function isLive(entry: StoredEntry | undefined, nowMs: number): entry is StoredEntry {
  return entry !== undefined && entry.expiresAt > nowMs;
}
