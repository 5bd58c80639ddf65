import { createHash, randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { parseConfig, readConfiguredFile } from '../errors/parse-config';

/** Keys carry this prefix so they are told from JWTs at a glance and found by secret scanners. */
export const API_KEY_PREFIX = 'eligo_';

/** Who holds a key, as the audit trail names them. */
export const API_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,63}$/;

const apiKeyEntrySchema = z.strictObject({
  name: z.string().regex(API_KEY_NAME, 'a name of letters, digits, space, _ . @ - (at most 64)'),
  /** The key's SHA-256, hex: the file never holds the key itself. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the key, 64 lower-case hex digits'),
  scopes: z.array(z.string().min(1)).min(1),
});
export const apiKeysFileSchema = z.strictObject({ keys: z.array(apiKeyEntrySchema) });
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new key: 32 random bytes. Only its hash goes into the keys file. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/**
 * Service credentials for a site without an authorisation server. Keys are compared by their
 * SHA-256 (the keys are 256-bit random, so a fast hash is enough and a lookup by hash leaks
 * nothing about the key).
 */
export class ApiKeys {
  private readonly byHash: ReadonlyMap<string, ApiKeyEntry>;

  constructor(entries: readonly ApiKeyEntry[]) {
    const byHash = new Map<string, ApiKeyEntry>();
    for (const entry of entries) byHash.set(entry.sha256, entry);
    this.byHash = byHash;
  }

  /** The key's holder, or undefined for a key that is not in the file. */
  find(key: string): ApiKeyEntry | undefined {
    return this.byHash.get(hashApiKey(key));
  }

  get size(): number {
    return this.byHash.size;
  }
}

/** Reads ELIGO_API_KEYS_FILE (YAML or JSON: `keys: [{name, sha256, scopes}]`); a bad file stops start-up. */
export function loadApiKeysFile(file: string, variable = 'ELIGO_API_KEYS_FILE'): ApiKeys {
  const text = readConfiguredFile(variable, file);
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch {
    parsed = undefined;
  }
  const { keys } = parseConfig(apiKeysFileSchema, parsed ?? {}, `API keys file ${file}`, variable);
  const names = new Set<string>();
  for (const key of keys) {
    if (names.has(key.name)) {
      throw new EligoError('ERR_CONFIG_INVALID', `invalid API keys file ${file}: two keys are named "${key.name}" (the audit trail could not tell them apart)`, { where: variable });
    }
    names.add(key.name);
  }
  return new ApiKeys(keys);
}
