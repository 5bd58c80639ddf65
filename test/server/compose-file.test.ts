import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Json } from './support';
import { loadApiKeysFile } from '../../src/access/api-keys';
import { accessSettingsFromEnv } from '../../src/access/config';

/**
 * `docker compose config` needs the compose plugin, which the build machines lack; this checks
 * the file parses and wires the stack as documented.
 */
const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as Json;

describe('docker-compose.yml', () => {
  it('has the database, HAPI, a readiness gate, the one-shot loader, eligo, and Redis with the screening workers', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['db', 'eligo', 'eligo-worker', 'hapi', 'hapi-ready', 'loader', 'redis']);
    expect(compose.services['eligo-worker'].command).toEqual(['node', 'bin/eligo.js', 'worker']);
    expect(compose.services.eligo.environment.ELIGO_REDIS_URL).toBe(compose.services['eligo-worker'].environment.ELIGO_REDIS_URL);
  });

  it('pins every image', () => {
    for (const [name, service] of Object.entries<{ image?: string }>(compose.services)) {
      if (!service.image) continue;
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:(?!latest$)[\w.-]+$/)]);
    }
    expect(compose.services.hapi.image).toBe('hapiproject/hapi:v8.0.0');
    expect(compose.services.db.image).toBe('postgres:16');
  });

  it('configures HAPI for PostgreSQL, bulk export, external references and its public address', () => {
    const env = compose.services.hapi.environment;
    expect(env['spring.jpa.properties.hibernate.dialect']).toBe('ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect');
    expect(env['spring.datasource.url']).toBe('jdbc:postgresql://db:5432/hapi');
    expect(env['hapi.fhir.bulk_export_enabled']).toBe('true');
    expect(env['hapi.fhir.allow_external_references']).toBe('true');
    expect(env['hapi.fhir.server_address']).toMatch(/http:\/\/hapi:8080\/fhir\//);
  });

  it('starts things in order: database healthy, HAPI answering, then the loader and eligo', () => {
    expect(compose.services.db.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(compose.services.hapi.depends_on.db.condition).toBe('service_healthy');
    expect(compose.services.loader.depends_on['hapi-ready'].condition).toBe('service_completed_successfully');
    expect(compose.services.eligo.depends_on['hapi-ready'].condition).toBe('service_completed_successfully');
    expect(compose.services.eligo.healthcheck.test.join(' ')).toContain('/health');
  });

  it('ships with authentication on: an API keys file that loads (no keys yet), no ELIGO_AUTH=off, data in a volume', () => {
    const eligo = compose.services.eligo;
    expect(eligo.environment.ELIGO_AUTH).toBe('on');
    expect(eligo.environment.ELIGO_API_KEYS_FILE).toBe('/run/secrets/eligo-api-keys');
    expect(compose.secrets['eligo-api-keys'].file).toBe('./docker/api-keys.yaml');
    expect(loadApiKeysFile(join(root, 'docker', 'api-keys.yaml')).size).toBe(0);
    // As compose interpolates with nothing set: `${VAR:-default}` becomes the default.
    const env = Object.fromEntries(Object.entries<string>(eligo.environment).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]));
    expect(() => accessSettingsFromEnv(env, env.ELIGO_HOST as string)).not.toThrow();
    expect(eligo.volumes).toContain('eligo-data:/data');
  });

  it('points at files that exist: the Dockerfile, the scripts and the mounted folders', () => {
    const eligo = compose.services.eligo;
    expect(existsSync(join(root, eligo.build.context, eligo.build.dockerfile))).toBe(true);
    expect(readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8')).toContain('CMD ["node", "dist/main.js"]');
    for (const name of ['hapi-ready', 'loader']) {
      const script = (compose.services[name].command as string[])[1]?.replace('/scripts/', '') ?? '';
      expect(existsSync(join(root, 'docker', script))).toBe(true);
    }
    const volumes = compose.services.loader.volumes as string[];
    expect(volumes).toEqual(expect.arrayContaining(['./docker:/scripts:ro', './examples:/data/examples:ro']));
    expect(volumes.some((v) => v.endsWith(':/data/synthea:ro'))).toBe(true);
    expect(compose.services.eligo.environment.ELIGO_FHIR_BASE_URL).toBe('http://hapi:8080/fhir');
  });
});
