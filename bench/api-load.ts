/**
 * Benchmark: the API under load, as issue 10 measured it. The service (createApp with the
 * default admission limits and the worker thread for large Bundles) in front of the embedded
 * FHIR server with the examples and the Synthea samples; then
 *  1. BENCH_BURST (default 200) screen requests at once: how many are served, how many are
 *     refused 503/429 (with Retry-After), and the latency of each kind (p50/p90/max);
 *  2. /health latency while large posted Bundles (the largest Synthea patient, ~4 MB) are
 *     screened: the event loop stays free because they are screened on the worker thread.
 *
 *   npx tsx bench/api-load.ts
 */
import { benchService } from './service';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { Admission } from '../src/http/admission';
import { createFhirServer, loadFhirFiles } from '../src/server';
import { BundleScreeningPool } from '../src/workers/bundle-pool';

const ROOT = path.resolve(__dirname, '..');
const SAMPLES = path.resolve(ROOT, '../shared/fhir-samples/synthea-r4');
const burst = Number(process.env.BENCH_BURST ?? 200);

function percentile(values: number[], p: number): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]?.toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const fhirServer = createFhirServer({ validateWrites: false });
  await loadFhirFiles(fhirServer, [path.join(ROOT, 'examples'), SAMPLES]);
  const fhir = await fhirServer.listen(0);
  const pool = new BundleScreeningPool();
  const admission = new Admission();
  let busiest = 0;
  const sampler = setInterval(() => (busiest = Math.max(busiest, admission.load.active + admission.load.queued)), 1);
  const service = await benchService(fhir.baseUrl, { admission, bundlePool: pool });
  const { base, headers } = service;
  const ids = readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).length;
  const patients = ((await (await fetch(`${fhir.baseUrl}/Patient?_count=500`)).json()) as { entry: { resource: { id: string } }[] }).entry.map((e) => e.resource.id);
  console.log(`${patients.length} patients on the embedded server (${ids} Synthea files + examples)`);

  const byStatus = new Map<number, number[]>();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: burst }, async (_, i) => {
      const started = performance.now();
      const response = await fetch(`${base}/api/trials/sle-cart/screen`, { method: 'POST', headers, body: JSON.stringify({ patientId: patients[i % patients.length] }) });
      await response.arrayBuffer();
      const list = byStatus.get(response.status) ?? [];
      list.push(performance.now() - started);
      byStatus.set(response.status, list);
    }),
  );
  clearInterval(sampler);
  console.log(`most screenings admitted at once: ${busiest}`);
  console.log(`burst of ${burst} screens in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const [status, times] of [...byStatus].sort(([a], [b]) => a - b)) {
    console.log(`  ${status}: ${times.length} requests, p50 ${percentile(times, 50)}, p90 ${percentile(times, 90)}, max ${percentile(times, 100)}`);
  }

  const largest = readdirSync(SAMPLES).map((f) => path.join(SAMPLES, f)).sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0] as string;
  const bundle = JSON.parse(readFileSync(largest, 'utf8')) as Bundle;
  const body = JSON.stringify({ bundle, asOf: '2026-06-15' });
  const health: number[] = [];
  let posting = true;
  const probe = (async () => {
    while (posting) {
      const started = performance.now();
      await (await fetch(`${base}/health`)).arrayBuffer();
      health.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const t1 = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => (await fetch(`${base}/api/trials/sle-cart/screen`, { method: 'POST', headers, body })).arrayBuffer()));
  posting = false;
  await probe;
  console.log(`8 posted Bundles of ${(body.length / 1024 / 1024).toFixed(1)} MB in ${((performance.now() - t1) / 1000).toFixed(1)} s; /health meanwhile: ${health.length} probes, p50 ${percentile(health, 50)}, p90 ${percentile(health, 90)}, max ${percentile(health, 100)}`);

  await pool.close();
  await service.close();
  await fhir.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
