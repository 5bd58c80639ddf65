/**
 * Benchmark: screening straight from a FHIR server. Starts the embedded FHIR server, loads
 * the Synthea samples repeatedly (each load is a transaction of POSTs, so every copy gets new
 * ids) up to BENCH_PATIENTS (default 1,000), then screens every patient for every trial over
 * HTTP, one patient's data fetched once per trial as the SMART app and the API do.
 * Prints HTTP round trips per patient and patients per second.
 *
 *   npx tsx bench/screen-fhir.ts
 *   BENCH_PATIENTS=200 BENCH_CONCURRENCY=8 npx tsx bench/screen-fhir.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { fhirPorts } from '../src/app/fhir-ports';
import { loadCatalog } from '../src/mapping/compile';
import { createFhirServer } from '../src/server';
import { screenPatient } from '../src/usecases/screen-patient';

const SAMPLES = path.resolve(__dirname, '../../shared/fhir-samples/synthea-r4');
const target = Number(process.env.BENCH_PATIENTS ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);

async function main(): Promise<void> {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));
  const server = createFhirServer({ validateWrites: false });
  let t0 = performance.now();
  let loaded = 0;
  while (loaded < target) {
    for (const f of files) {
      if (loaded >= target) break;
      await server.load(JSON.parse(readFileSync(path.join(SAMPLES, f), 'utf8')) as Bundle);
      loaded += 1;
    }
  }
  const running = await server.listen(0);
  console.log(`loaded ${loaded} patients into the embedded server in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const ids: string[] = [];
  let next: string | undefined = `${running.baseUrl}/Patient?_count=1000`;
  while (next) {
    const page = (await (await fetch(next)).json()) as { entry?: { resource?: { id?: string } }[]; link?: { relation: string; url: string }[] };
    ids.push(...(page.entry ?? []).map((e) => e.resource?.id ?? '').filter(Boolean));
    next = page.link?.find((l) => l.relation === 'next')?.url;
  }

  const catalog = loadCatalog();
  const trials = [...catalog.trials.values()];
  const ports = fhirPorts({ baseUrl: running.baseUrl });
  await ports.fhir.capabilities();
  const before = ports.fhir.roundTrips;
  t0 = performance.now();
  let cursor = 0;
  let screenings = 0;
  const worker = async (): Promise<void> => {
    while (cursor < ids.length) {
      const id = ids[cursor++] as string;
      for (const trial of trials) {
        await screenPatient({ source: ports.source }, trial, id, { asOf: '2026-06-15' });
        screenings += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const seconds = (performance.now() - t0) / 1000;
  const trips = ports.fhir.roundTrips - before;
  console.log(`screened ${ids.length} patients x ${trials.length} trials (${screenings} screenings, concurrency ${concurrency}) in ${seconds.toFixed(1)} s`);
  console.log(`HTTP round trips per patient fetch: ${(trips / screenings).toFixed(2)}`);
  console.log(`patients per second: ${(ids.length / seconds).toFixed(1)} (${(screenings / seconds).toFixed(1)} screenings/s)`);
  console.log(`peak memory (max RSS): ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  await running.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
