import { z } from 'zod';
import { isEligoError } from '../../src/errors/eligo-error';
import { MAX_LISTED_PROBLEMS } from '../../src/errors/limits';
import { parseConfig } from '../../src/errors/parse-config';

describe('parseConfig', () => {
  it('lists the first problems of a configuration and counts the rest', () => {
    const schema = z.object({ hosts: z.array(z.url()) });
    const hosts = Array.from({ length: 1_000 }, (_, i) => `not a url ${i}`);
    let thrown: unknown;
    try {
      parseConfig(schema, { hosts }, 'configuration', 'ELIGO_HOSTS');
    } catch (error) {
      thrown = error;
    }
    expect(isEligoError(thrown, 'ERR_CONFIG_INVALID')).toBe(true);
    const lines = (thrown as Error).message.split('\n');
    expect(lines[0]).toBe('invalid configuration:');
    expect(lines[1]).toMatch(/^hosts\.0: /);
    expect(lines).toHaveLength(1 + MAX_LISTED_PROBLEMS + 1);
    expect(lines[MAX_LISTED_PROBLEMS + 1]).toBe(`… and ${1_000 - MAX_LISTED_PROBLEMS} more`);
    // Values are still never echoed.
    expect((thrown as Error).message).not.toContain('not a url');
  });
});
