import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateApiKey, hashApiKey, loadApiKeysFile } from '../../src/access/api-keys';
import { accessSettingsFromEnv, isLoopbackAddress } from '../../src/access/config';
import { isEligoError } from '../../src/errors/eligo-error';

function errorOf(run: () => unknown): { code?: string; where?: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isEligoError(error)) return { code: error.code, ...(error.where ? { where: error.where } : {}), message: error.message };
    throw error;
  }
  throw new Error('expected an error');
}

describe('access configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'eligo-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('allows ELIGO_AUTH=off only on a loopback listener', () => {
    expect(accessSettingsFromEnv({ ELIGO_AUTH: 'off' }, '127.0.0.1').authDisabled).toBe(true);
    expect(accessSettingsFromEnv({ ELIGO_AUTH: 'off' }, '::1').authDisabled).toBe(true);
    expect(errorOf(() => accessSettingsFromEnv({ ELIGO_AUTH: 'off' }, '0.0.0.0'))).toMatchObject({ code: 'ERR_CONFIG_INVALID', where: 'ELIGO_AUTH', message: expect.stringMatching(/loopback/) });
    expect(errorOf(() => accessSettingsFromEnv({ ELIGO_AUTH: 'no' }, '127.0.0.1'))).toMatchObject({ code: 'ERR_CONFIG_INVALID', where: 'ELIGO_AUTH' });
    expect(accessSettingsFromEnv({}, '0.0.0.0').authDisabled).toBe(false);
  });

  it('treats only loopback peers as local, IPv4-mapped included', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.5')).toBe(false);
    expect(isLoopbackAddress('::ffff:192.168.1.2')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });

  it('needs a whole token issuer: issuer, audience and key set together', () => {
    expect(accessSettingsFromEnv({ ELIGO_AUTH_ISSUER: 'https://as.example', ELIGO_AUTH_AUDIENCE: 'https://eligo.example', ELIGO_AUTH_JWKS_URI: 'https://as.example/jwks' }, '0.0.0.0').issuers).toEqual([
      { issuer: 'https://as.example', audience: 'https://eligo.example', jwksUri: 'https://as.example/jwks' },
    ]);
    expect(errorOf(() => accessSettingsFromEnv({ ELIGO_AUTH_ISSUER: 'https://as.example' }, '0.0.0.0'))).toMatchObject({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/audience/) });
    expect(errorOf(() => accessSettingsFromEnv({ ELIGO_AUTH_ISSUERS: '[{' }, '0.0.0.0'))).toMatchObject({ code: 'ERR_CONFIG_INVALID', where: 'ELIGO_AUTH_ISSUERS' });
  });

  it('reads hashed API keys with names and scopes, and says which field of the file is wrong', () => {
    const key = generateApiKey();
    const good = path.join(dir, 'keys.yaml');
    writeFileSync(good, `keys:\n  - name: coordinator\n    sha256: ${hashApiKey(key)}\n    scopes: [system/*.rs, eligo/population]\n`);
    const keys = loadApiKeysFile(good);
    expect(keys.find(key)).toMatchObject({ name: 'coordinator', scopes: ['system/*.rs', 'eligo/population'] });
    expect(keys.find(`${key}x`)).toBeUndefined();
    const plain = path.join(dir, 'plain.yaml');
    writeFileSync(plain, `keys:\n  - name: oops\n    sha256: ${key}\n    scopes: [system/*.rs]\n`);
    expect(errorOf(() => loadApiKeysFile(plain))).toMatchObject({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/keys\.0\.sha256: the SHA-256 of the key/) });
    expect(errorOf(() => loadApiKeysFile(plain)).message).not.toContain(key);
    const twice = path.join(dir, 'twice.yaml');
    writeFileSync(twice, `keys:\n  - {name: a, sha256: ${hashApiKey('x')}, scopes: [system/*.rs]}\n  - {name: a, sha256: ${hashApiKey('y')}, scopes: [system/*.rs]}\n`);
    expect(errorOf(() => loadApiKeysFile(twice)).message).toMatch(/two keys are named "a"/);
    expect(errorOf(() => loadApiKeysFile(path.join(dir, 'missing.yaml')))).toMatchObject({ code: 'ERR_CONFIG_INVALID', where: 'ELIGO_API_KEYS_FILE' });
  });
});
