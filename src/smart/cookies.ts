import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { isHttps, type SmartConfig } from './config';

/**
 * Cookie attributes. Over https: `Secure; SameSite=None; Partitioned` so the cookie survives an
 * EHR iframe on another site (Partitioned keeps it working where third-party cookies are
 * blocked), with the `__Host-` prefix (no Domain, Path=/). Over http (localhost development
 * only) browsers refuse SameSite=None without Secure, so the fallback is `SameSite=Lax`: it works
 * top-level and in iframes on the same site (127.0.0.1 on any port), not in a cross-site iframe.
 */
function attributes(config: SmartConfig, maxAgeSeconds: number): string {
  const common = `Path=/; HttpOnly; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
  return isHttps(config) ? `${common}; Secure; SameSite=None; Partitioned` : `${common}; SameSite=Lax`;
}

export function sessionCookieName(config: SmartConfig): string {
  return isHttps(config) ? '__Host-eligo-session' : 'eligo-session';
}

export function launchCookieName(config: SmartConfig): string {
  return isHttps(config) ? '__Host-eligo-launch' : 'eligo-launch';
}

export function setCookie(res: Response, config: SmartConfig, name: string, value: string, maxAgeSeconds: number): void {
  res.append('Set-Cookie', `${name}=${value}; ${attributes(config, maxAgeSeconds)}`);
}

export function clearCookie(res: Response, config: SmartConfig, name: string): void {
  res.append('Set-Cookie', `${name}=; ${attributes(config, 0)}`);
}

/** The value of one cookie; values eligo sets are base64url, anything else is ignored. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() !== name) continue;
    const value = part.slice(at + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** Compares a secret a request carries (CSRF token, API key) with the expected one in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
