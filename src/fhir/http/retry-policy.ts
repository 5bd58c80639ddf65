/** When to try a FHIR request again, and how long to wait first. */
export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First backoff ceiling; doubles per attempt (full jitter: a random wait up to the ceiling). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A wait the server asks for (Retry-After, RateLimit, RateLimit-Reset) is honoured up to this long. */
  retryAfterCapMs: number;
}

/**
 * The cap is one minute and a little: rate-limit windows are most often a minute (Medplum,
 * API gateways), and a client that gives up before the window resets fails every request of it.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, baseDelayMs: 200, maxDelayMs: 10_000, retryAfterCapMs: 65_000 };

/** Statuses that say "not now" rather than "no": worth another attempt for a read. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * For a write the outcome of a 500, 502, 504 or a dropped connection is unknown (it may have
 * committed), so only the statuses that say the request was not processed are retried.
 */
export function isRetryableWriteStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined if unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Anything with a `get(name)` like fetch's Headers (a plain lookup in tests). */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * How long the server asks the client to wait, in milliseconds, from whichever header it sent:
 * Retry-After first (the standard one), then the IETF RateLimit header
 * (draft-ietf-httpapi-ratelimit-headers: `"requests";r=0;t=42`, or the older
 * `limit=100, remaining=0, reset=42`), then RateLimit-Reset and X-RateLimit-Reset. Servers
 * that throttle without Retry-After (Medplum) say it only there; ignoring them meant retrying
 * within a second and failing every request of the window.
 */
export function parseServerWait(headers: HeaderLookup, now: number): number | undefined {
  return (
    parseRetryAfter(headers.get('retry-after'), now) ??
    parseRateLimit(headers.get('ratelimit')) ??
    parseResetHeader(headers.get('ratelimit-reset'), now) ??
    parseResetHeader(headers.get('x-ratelimit-reset'), now)
  );
}

/**
 * The RateLimit header's wait: `t` (seconds until the quota resets) of the tightest policy, the
 * one with the least quota `r` left (a policy without `r` is taken as spent: the server sent a
 * 429). Among equally tight policies the longest `t` counts: each of them must reset before a
 * request can pass.
 */
export function parseRateLimit(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const items = splitList(header).map(parseItem);
  let best: { r: number; t: number } | undefined;
  for (const item of items) {
    if (item.t === undefined) continue;
    const r = item.r ?? 0;
    if (!best || r < best.r || (r === best.r && item.t > best.t)) best = { r, t: item.t };
  }
  if (best) return best.t * 1000;
  // draft-ietf-httpapi-ratelimit-headers-03 to -06: `limit=100, remaining=0, reset=42`.
  const reset = /(?:^|[,;\s])reset=(\d+(?:\.\d+)?)/i.exec(header)?.[1];
  return reset === undefined ? undefined : Math.round(Number(reset) * 1000);
}

/** One list member of a structured-field list: its parameters `r` and `t` (a quoted key first, or none). */
function parseItem(member: string): { r?: number; t?: number } {
  const out: { r?: number; t?: number } = {};
  for (const part of member.split(';').slice(1)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (value === undefined || !/^\d+(?:\.\d+)?$/.test(value)) continue;
    if (name === 'r') out.r = Number(value);
    if (name === 't') out.t = Number(value);
  }
  return out;
}

/** Splits at commas outside quoted strings. */
function splitList(header: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      out.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** Above this a reset value cannot be seconds to wait (over 31 years): it is a Unix time. */
const EPOCH_SECONDS_FROM = 1_000_000_000;
const EPOCH_MILLISECONDS_FROM = 100_000_000_000;

/**
 * RateLimit-Reset / X-RateLimit-Reset: servers send either the seconds left (GitHub's style is
 * the other one) or the Unix time of the reset, in seconds or milliseconds. A value that can
 * only be a time is read as one; a reset in the past means no wait.
 */
export function parseResetHeader(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (!/^\d+(?:\.\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  if (value >= EPOCH_MILLISECONDS_FROM) return Math.max(0, Math.round(value - now));
  if (value >= EPOCH_SECONDS_FROM) return Math.max(0, Math.round(value * 1000 - now));
  return Math.round(value * 1000);
}

/** The wait before attempt `attempt` (1 = first retry). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.retryAfterCapMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
