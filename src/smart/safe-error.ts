/**
 * What may be logged about an error from the OAuth stack: its name, code and message. The
 * objects themselves are never logged, because openid-client errors carry the token response
 * and the id_token as properties.
 */
export function loggableError(error: unknown): { name: string; code?: string; message: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: 'non-Error thrown' };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: scrub(error.message) };
}

/** Long opaque strings in a message (a token echoed by a server) are cut out. */
export function scrub(text: string): string {
  return text.replace(/[A-Za-z0-9\-_.~+/]{40,}={0,2}/g, '[redacted]').slice(0, 300);
}
