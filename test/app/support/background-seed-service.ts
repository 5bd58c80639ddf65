// Starts the service as npm start does (seeding in the background) in a process of its own (the
// sandbox's oidc-provider is ESM, which jest's sandbox cannot import), observes the demo data's
// state through /health, and prints what it saw as one JSON line.
import { startService } from '../../../src/app/start';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/log';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const service = await startService(config, createLogger({ level: 'silent' }), process.env, { seedInBackground: true });
  const atReturn = service.demoState?.();
  const health = async (): Promise<unknown> => (await fetch(`http://127.0.0.1:${config.ELIGO_PORT}/health`)).json();
  const first = await health();
  await service.demoReady;
  const after = await health();
  const count = ((await (await fetch(`${service.fhirBaseUrl}/Patient?_summary=count`)).json()) as { total?: number }).total;
  await service.close();
  process.stdout.write(`${JSON.stringify({ atReturn, first, after, patients: count })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
