import { boundHeapGrowth } from './app/heap-growth';
import { startService } from './app/start';
import { loadConfig } from './config';
import { isEligoError } from './errors/eligo-error';
import { createLogger } from './log';
import { screenPatientForTrials } from './usecases/screen-patient';

/** The only file that listens: `npm start`. */
async function main(): Promise<void> {
  boundHeapGrowth();
  const config = loadConfig();
  const log = createLogger({ level: config.ELIGO_LOG_LEVEL });
  const service = await startService(config, log, process.env, { seedInBackground: true });
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
  const stop = (): void => {
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
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
