/**
 * Benchmark: screening cost against the cost of merely parsing the same JSON.
 * The Synthea samples are copied in memory (each copy re-identified: new patient id) up to
 * BENCH_PATIENTS (default 5,000), then each copy is (a) JSON.parse'd only and (b) parsed,
 * grouped, normalised and screened for every trial. Prints patients per second, peak memory,
 * and the screening-only cost as a multiple of the parse cost (goal: <= 2).
 *
 *   npm run bench                      # 5,000 patients
 *   BENCH_PATIENTS=1000 npm run bench
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { groupResourcesByPatient, SCREENING_RESOURCE_TYPES } from '../src/input';
import { loadCatalog, type CompiledTrial } from '../src/mapping/compile';
import { screenResources } from '../src/usecases/screen';

const SAMPLES = path.resolve(__dirname, '../../shared/fhir-samples/synthea-r4');
const target = Number(process.env.BENCH_PATIENTS ?? 5000);

interface Sample {
  text: string;
  patientId: string;
}

function loadSamples(): Sample[] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const text = readFileSync(path.join(SAMPLES, f), 'utf8');
      const bundle = JSON.parse(text) as Bundle;
      const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
      return { text, patientId: patient?.id ?? '' };
    })
    .filter((s) => s.patientId !== '');
}

/** The k-th copy of a sample, re-identified so no two copies share a patient id. */
function copyOf(sample: Sample, k: number): string {
  return k === 0 ? sample.text : sample.text.split(sample.patientId).join(`${sample.patientId.slice(0, 24)}${String(k).padStart(12, '0')}`);
}

function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function main(): void {
  const samples = loadSamples();
  const catalog = loadCatalog();
  const trials = [...catalog.trials.values()];
  console.log(`${target} patients (${samples.length} Synthea samples, re-identified copies), trials: ${trials.map((t) => t.id).join(', ')}`);

  // Warm both paths once so neither pays for JIT compilation alone.
  for (const sample of samples.slice(0, 10)) screenText(sample.text, trials, new Map());

  let parseMs = 0;
  let totalMs = 0;
  let megabytes = 0;
  let screened = 0;
  let sink = 0;
  const outcomes = new Map<string, number>();
  // One round of copies at a time keeps memory flat however many patients are asked for.
  for (let round = 0; screened < target; round++) {
    const batch = samples.slice(0, Math.min(samples.length, target - screened)).map((s) => copyOf(s, round));
    megabytes += batch.reduce((sum, t) => sum + t.length, 0) / 1e6;
    let t0 = performance.now();
    for (const text of batch) sink += (JSON.parse(text) as Bundle).entry?.length ?? 0;
    parseMs += performance.now() - t0;
    t0 = performance.now();
    for (const text of batch) screened += screenText(text, trials, outcomes);
    totalMs += performance.now() - t0;
  }
  const screenOnlyMs = totalMs - parseMs;

  console.log(`input: ${megabytes.toFixed(0)} MB of JSON [${sink} entries]`);
  console.log(`JSON.parse only:        ${parseMs.toFixed(0)} ms (${((target / parseMs) * 1000).toFixed(0)} patients/s)`);
  console.log(`parse + screen (${trials.length} trials): ${totalMs.toFixed(0)} ms (${((screened / totalMs) * 1000).toFixed(0)} patients/s)`);
  console.log(`screening alone:        ${screenOnlyMs.toFixed(0)} ms = ${(screenOnlyMs / parseMs).toFixed(2)} x the parse (goal <= 2)`);
  console.log(`peak memory (max RSS):  ${peakRssMiB()} MiB`);
  console.log(`outcomes: ${[...outcomes.entries()].map(([k, v]) => `${k}=${v}`).join(', ')}`);
}

function screenText(text: string, trials: CompiledTrial[], outcomes: Map<string, number>): number {
  const bundle = JSON.parse(text) as Bundle;
  const { patients } = groupResourcesByPatient(bundle, { resourceTypes: SCREENING_RESOURCE_TYPES });
  for (const p of patients) {
    for (const trial of trials) {
      const report = screenResources(trial, p.resources, { asOf: '2026-06-15' });
      const key = `${trial.id}:${report.outcome}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
  }
  return patients.length;
}

main();
