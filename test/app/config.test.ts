import { loadConfig } from '../../src/config';
import { isEligoError } from '../../src/errors/eligo-error';
import { parseSmartConfig } from '../../src/smart';

describe('configuration checked at start-up', () => {
  it('gives the defaults for an empty environment', () => {
    expect(loadConfig({})).toMatchObject({ ELIGO_PORT: 8080, ELIGO_DATA_DIR: '.eligo', ELIGO_WRITE_BACK: false, ELIGO_BULK_KEY_ALG: 'RS384' });
  });

  it('names every bad variable and why, without echoing the values', () => {
    const error: unknown = (() => {
      try {
        return loadConfig({ ELIGO_PORT: 'eighty', ELIGO_FHIR_BASE_URL: 'not a url', ELIGO_REDIS_URL: 'http://secret@redis' });
      } catch (e) {
        return e;
      }
    })();
    expect(isEligoError(error, 'ERR_CONFIG_INVALID')).toBe(true);
    expect(error).toMatchObject({ where: 'ELIGO_PORT' });
    const message = (error as Error).message;
    expect(message).toMatch(/^invalid configuration:\n/);
    for (const name of ['ELIGO_PORT', 'ELIGO_FHIR_BASE_URL', 'ELIGO_REDIS_URL']) expect(message).toContain(`${name}: `);
    expect(message).not.toContain('secret');
  });

  it('names the field of a bad SMART configuration', () => {
    expect(() => parseSmartConfig({ appBaseUrl: 'nope', clients: [] })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', where: 'appBaseUrl' }));
  });
});
