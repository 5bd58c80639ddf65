import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { httpUrlSetting, parseConfig } from '../errors/parse-config';
import type { TrustedIssuer } from './bearer';

const trustedIssuerSchema = z.strictObject({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  jwksUri: httpUrlSetting,
});

/** Loopback listeners: the only ones where switching authentication off is allowed. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A peer address as Node reports it (IPv4-mapped IPv6 included). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d+\.\d+\.\d+$/.test(plain);
}

export interface AccessSettings {
  issuers: TrustedIssuer[];
  apiKeysFile?: string;
  /** ELIGO_AUTH=off: every caller is trusted. Only on a loopback listener, and checked per request too. */
  authDisabled: boolean;
}

/**
 * The access settings from the environment (README "Access"). Fails fast: a malformed issuer
 * list, half an issuer, or ELIGO_AUTH=off on a listener other than loopback stop start-up.
 */
export function accessSettingsFromEnv(env: NodeJS.ProcessEnv, listenHost: string): AccessSettings {
  const mode = env.ELIGO_AUTH || 'on';
  if (mode !== 'on' && mode !== 'off') throw new EligoError('ERR_CONFIG_INVALID', 'invalid configuration: ELIGO_AUTH: "on" (default) or "off"', { where: 'ELIGO_AUTH' });
  if (mode === 'off' && !isLoopbackHost(listenHost)) {
    throw new EligoError('ERR_CONFIG_INVALID', `invalid configuration: ELIGO_AUTH=off is only for a loopback listener, and ELIGO_HOST is ${listenHost}`, { where: 'ELIGO_AUTH' });
  }
  return {
    issuers: issuersFromEnv(env),
    ...(env.ELIGO_API_KEYS_FILE ? { apiKeysFile: env.ELIGO_API_KEYS_FILE } : {}),
    authDisabled: mode === 'off',
  };
}

function issuersFromEnv(env: NodeJS.ProcessEnv): TrustedIssuer[] {
  if (env.ELIGO_AUTH_ISSUERS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.ELIGO_AUTH_ISSUERS);
    } catch {
      throw new EligoError('ERR_CONFIG_INVALID', 'invalid configuration: ELIGO_AUTH_ISSUERS is not JSON (an array of {"issuer","audience","jwksUri"})', { where: 'ELIGO_AUTH_ISSUERS' });
    }
    return parseConfig(z.array(trustedIssuerSchema), parsed, 'ELIGO_AUTH_ISSUERS', 'ELIGO_AUTH_ISSUERS');
  }
  // An empty variable is an unset one (compose passes `${VAR:-}` through as "").
  const single = { issuer: env.ELIGO_AUTH_ISSUER || undefined, audience: env.ELIGO_AUTH_AUDIENCE || undefined, jwksUri: env.ELIGO_AUTH_JWKS_URI || undefined };
  if (Object.values(single).every((v) => v === undefined)) return [];
  return [parseConfig(trustedIssuerSchema, single, 'token issuer (ELIGO_AUTH_ISSUER, ELIGO_AUTH_AUDIENCE and ELIGO_AUTH_JWKS_URI together)', 'ELIGO_AUTH_ISSUER')];
}
