/**
 * A whole local EHR in one process, for development and for tests that need the ESM-only
 * oidc-provider outside jest: the embedded FHIR server seeded with examples/ (bearer tokens
 * checked), and the sandbox authorization server and launcher beside it.
 *
 *   ELIGO_SANDBOX_APP_URL=http://127.0.0.1:3000 node --import tsx src/sandbox/dev-ehr.ts
 *
 * Prints one JSON line on stdout ({"fhirBaseUrl","sandboxUrl"}) once both listen; stops on
 * SIGTERM, SIGINT or when stdin closes (so a test's child never outlives the test).
 */
import path from 'node:path';
import { createLogger } from '../log';
import pino from 'pino';
import { createFhirServer, loadFhirFiles, type FhirServer } from '../server';
import { SandboxFhirHooks } from './fhir-hooks';
import { startSandbox } from './start';

async function main(): Promise<void> {
  const env = process.env;
  const appBaseUrl = env.ELIGO_SANDBOX_APP_URL;
  if (!appBaseUrl) throw new Error('set ELIGO_SANDBOX_APP_URL to the app\'s public URL');
  const log = createLogger({ destination: pino.destination(2) });
  // The hooks need the server's data for reads by id, and the server needs the hooks: bound late.
  const server: { fhir?: FhirServer } = {};
  const hooks = new SandboxFhirHooks({
    protect: env.ELIGO_SANDBOX_OPEN !== 'true',
    patientOf: async (type, id) => {
      try {
        if (!server.fhir) return undefined;
        const resource = (await server.fhir.repo.readResource(type, id)) as unknown as Record<string, { reference?: string } | undefined>;
        const ref = resource.subject?.reference ?? resource.patient?.reference ?? resource.individual?.reference;
        return ref?.replace(/^.*Patient\//, '');
      } catch {
        return undefined;
      }
    },
  });
  const fhir = createFhirServer({ middleware: [hooks.middleware] });
  server.fhir = fhir;
  await loadFhirFiles(fhir, [env.ELIGO_SANDBOX_DATA ?? path.resolve(__dirname, '../../examples')]);
  const running = await fhir.listen(Number(env.ELIGO_SANDBOX_FHIR_PORT ?? 0));
  const sandbox = await startSandbox({
    fhirBaseUrl: running.baseUrl,
    appBaseUrl,
    hooks,
    port: Number(env.ELIGO_SANDBOX_PORT ?? 0),
    ...(env.ELIGO_SANDBOX_TOKEN_TTL ? { accessTokenTtlSeconds: Number(env.ELIGO_SANDBOX_TOKEN_TTL) } : {}),
    log,
  });
  process.stdout.write(`${JSON.stringify({ fhirBaseUrl: running.baseUrl, sandboxUrl: sandbox.url })}\n`);
  const stop = (): void => {
    void Promise.allSettled([sandbox.close(), running.close()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`dev-ehr failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
