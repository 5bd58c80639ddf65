import { boundHeapGrowth } from './app/heap-growth';
import type { startService } from './app/start';
import { loadConfig } from './config';
import { isEligoError } from './errors/eligo-error';
import { runFront, serveOnFrontSocket } from './http/starting';

// The service's modules are required in the service process only (require, not import(): the
// build is CommonJS, as in src/cli/main.ts); `typeof import()` keeps them type-checked.
/* eslint-disable @typescript-eslint/no-require-imports */

/** How the front process (src/http/starting.ts) starts this file as the service. */
const SERVICE_FLAG = '--eligo-service';

/** The only file that listens: `npm start`, a front that answers at once, then the service on its socket. */
async function main(): Promise<void> {
  // Checked in the front too, so a bad configuration fails before anything listens.
  const config = loadConfig();
  if (!process.argv.includes(SERVICE_FLAG)) {
    process.exitCode = await runFront(config.ELIGO_PORT, config.ELIGO_HOST, __filename, [...process.argv.slice(2), SERVICE_FLAG]);
    return;
  }
  boundHeapGrowth();
  const { startService: start } = require('./app/start') as typeof import('./app/start');
  const { createLogger } = require('./log') as typeof import('./log');
  const log = createLogger({ level: config.ELIGO_LOG_LEVEL });
  const service: Awaited<ReturnType<typeof startService>> = await start(config, log, process.env, { seedInBackground: true, serve: serveOnFrontSocket });
  const lines = [
    `eligo is running at ${service.url}`,
    `  FHIR server:   ${service.fhirBaseUrl}${service.embeddedFhir ? ' (embedded; demo data loading: /health says demo "ready" when it is in)' : ''}`,
    `  API:           ${service.url}/api/trials   (OpenAPI: ${service.url}/api/openapi.json)`,
    `  Cohort runs:   ${service.url}/api/cohort-runs   (POST {"trial": "sle-cart"} to screen the population now)`,
    ...(service.demoApiKey
      ? [
          `  API key:       ${service.demoApiKey}   (this start only, every scope; send it as "Authorization: Bearer <key>")`,
          `                 e.g. curl -H "Authorization: Bearer ${service.demoApiKey}" ${service.url}/api/trials`,
        ]
      : []),
    ...(service.sandbox ? [`  EHR sandbox:   ${service.sandbox.launcherUrl}   (launch the SMART app for a demo patient)`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  // A Ctrl-C reaches the front and this process both, and the front passes signals on: once is enough.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void service.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (service.demoReady) {
    await service.demoReady;
    if (service.demoState?.() === 'ready') {
      process.stdout.write(`  Demo data:     loaded\n`);
      await screenDemoPopulation(service);
    }
  }
}

/** The main job on the embedded default: screen every seeded patient for every trial and print the counts. */
async function screenDemoPopulation(service: Awaited<ReturnType<typeof startService>>): Promise<void> {
  const ids: string[] = [];
  let next: string | undefined = `${service.fhirBaseUrl}/Patient?_count=500`;
  while (next) {
    const page = (await (await fetch(next)).json()) as { entry?: { resource?: { id?: string } }[]; link?: { relation: string; url: string }[] };
    ids.push(...(page.entry ?? []).map((e) => e.resource?.id).filter((id): id is string => !!id));
    next = page.link?.find((l) => l.relation === 'next')?.url;
  }
  // The examples are written for screening on 2026-06-15 with leukapheresis on 2026-07-01.
  const asOf = process.env.ELIGO_DEMO_AS_OF ?? '2026-06-15';
  const leukapheresisDate = process.env.ELIGO_DEMO_LEUKAPHERESIS ?? '2026-07-01';
  const trials = [...service.catalog.trials.values()];
  const counts = new Map(trials.map((trial) => [trial.id, {} as Record<string, number>]));
  const { screenPatientForTrials } = require('./usecases/screen-patient') as typeof import('./usecases/screen-patient');
  // Each patient is read once and screened for every trial.
  for (const id of ids) {
    const { results } = await screenPatientForTrials({ source: service.ports.source }, trials, id, { asOf, leukapheresisDate });
    for (const { trial, report } of results) {
      const byOutcome = counts.get(trial.id) as Record<string, number>;
      byOutcome[report.outcome] = (byOutcome[report.outcome] ?? 0) + 1;
    }
  }
  for (const trial of trials) {
    const shown = Object.entries(counts.get(trial.id) ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    process.stdout.write(`  ${trial.id}: screened ${ids.length} demo patients as of ${asOf} (leukapheresis ${leukapheresisDate}): ${shown}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`eligo: ${isEligoError(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(isEligoError(error) ? 2 : 1);
});
