/**
 * Routes match exactly as written (case, trailing slash): `/Screen` or `/reports/x/` is not
 * another spelling of a route but no route (404). Access is decided on the route that matched
 * (src/access/secure-router.ts), so no spelling can reach a route past its decision.
 */
export const STRICT_ROUTING = { caseSensitive: true, strict: true } as const;

