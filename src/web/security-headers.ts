import type { Response } from 'express';

/**
 * No script runs on eligo's pages, so the policy allows none: an injected tag could not execute
 * even if escaping failed. Framing is limited to the app itself and the configured EHR origins.
 */
export function securityHeaders(res: Response, frameAncestors: readonly string[]): void {
  const ancestors = ["'self'", ...frameAncestors.map((o) => new URL(o).origin)].join(' ');
  res.set({
    'Content-Security-Policy': `default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors ${ancestors}`,
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
}
