/**
 * Where the FHIR and Bulk Data clients get their access token: a SMART Backend Services token
 * source (src/bulk/backend-auth.ts) or a fixed token. Tokens never reach logs, errors or events.
 */
export interface AccessTokenProvider {
  /** A token valid for at least a little while longer (cached until shortly before it expires). */
  token(signal?: AbortSignal): Promise<string>;
  /** The server refused this token (401): the next `token()` must fetch a fresh one. */
  invalidate(token: string): void;
}

export function staticToken(token: string): AccessTokenProvider {
  return { token: () => Promise.resolve(token), invalidate: () => undefined };
}
