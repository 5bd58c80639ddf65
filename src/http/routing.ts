/**
 * Routes match exactly as written (case, trailing slash): the guards in front of a router
 * decide on the path the router will run, so `/Screen` or `/reports/x/` cannot be one route to
 * the guard and another to the router. A path that matches nothing is a 404.
 */
export const STRICT_ROUTING = { caseSensitive: true, strict: true } as const;

/**
 * The form a guard compares: percent-decoded, slashes collapsed, no trailing slash, lower case.
 * Guards match this wider form so that any spelling a lax router might still accept is
 * checked too (fail closed); a path that does not decode is refused by the caller.
 */
export function guardPath(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  return decoded.replace(/\/{2,}/g, '/').replace(/(.)\/+$/, '$1').toLowerCase();
}
