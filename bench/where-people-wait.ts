/**
 * Benchmark: "fast where people wait", as ratios, in one run.
 *  1. The CLI, one patient, both trials (`eligo screen --trial all --bundle ...`), against
 *     `node -e 0` (Node's own start): with the catalog cache cold, warm, and turned off.
 *     BENCH_BASELINE_BIN=<an older checkout>/bin/eligo.js adds that build's time for comparison.
 *  2. In-process screening against JSON.parse alone (the text already read), for candidates (re-identified
 *     copies of the sle-eligible and sle-potential-candidate examples) and for the Synthea
 *     samples; every trial, the patient normalised once (and, for comparison, once per trial).
 *  3. HTTP over the embedded FHIR server: screening every patient for every trial with one
 *     POST /api/screen per patient against one POST /api/trials/:id/screen per trial.
 * Prints the numbers; passes or fails nothing.
 *
 *   npm run build && npx tsx bench/where-people-wait.ts
 *   BENCH_RUNS=15 BENCH_CANDIDATES=4000 npx tsx bench/where-people-wait.ts
 */
import { benchService } from './service';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { groupResourcesByPatient, SCREENING_RESOURCE_TYPES } from '../src/input';
import { loadCatalog, type CompiledTrial } from '../src/mapping/compile';
import { createFhirServer, loadFhirFiles } from '../src/server';
import { screenResources, screenResourcesForTrials } from '../src/usecases/screen';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const SAMPLES = path.resolve(ROOT, '../shared/fhir-samples/synthea-r4');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const candidates = Number(process.env.BENCH_CANDIDATES ?? 2000);
const OPTIONS = { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;
const ratio = (n: number, d: number): string => `${(n / d).toFixed(2)} x`;

/** Wall time of a process from spawn to exit, median of `runs`. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv = process.env, before?: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const started = performance.now();
    execFileSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
    times.push(performance.now() - started);
  }
  return median(times);
}

function cliStartup(): void {
  console.log(`\n1. CLI: one patient, both trials (median of ${runs} runs)`);
  const bin = path.join(ROOT, 'bin', 'eligo.js');
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    console.log('   dist/ is not built: npm run build, then run this again');
    return;
  }
  const screen = ['screen', '--trial', 'all', '--bundle', path.join(EXAMPLES, 'sle-eligible.json'), '--as-of', OPTIONS.asOf];
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'eligo-bench-cache-'));
  try {
    const node = timeProcess(['-e', '0']);
    const cold = timeProcess([bin, ...screen], { ...process.env, ELIGO_CACHE_DIR: cacheDir }, () => rmSync(cacheDir, { recursive: true, force: true }));
    const warm = timeProcess([bin, ...screen], { ...process.env, ELIGO_CACHE_DIR: cacheDir });
    const off = timeProcess([bin, ...screen], { ...process.env, ELIGO_CACHE_DIR: 'off' });
    console.log(`   node -e 0:                 ${ms(node)}`);
    console.log(`   eligo, catalog cache warm: ${ms(warm)} = ${ratio(warm, node)} node -e 0`);
    console.log(`   eligo, catalog cache cold: ${ms(cold)} = ${ratio(cold, node)}`);
    console.log(`   eligo, catalog cache off:  ${ms(off)} = ${ratio(off, node)}`);
    const baseline = process.env.BENCH_BASELINE_BIN;
    if (baseline) {
      // An older build takes one --trial: it is run once per trial, as its users had to.
      const old = timeProcess([baseline, 'screen', '--trial', 'sle-cart', '--bundle', path.join(EXAMPLES, 'sle-eligible.json'), '--as-of', OPTIONS.asOf]);
      console.log(`   baseline (${baseline}), one trial per run: ${ms(old)} = ${ratio(old, node)}; both trials: ${ms(2 * old)} = ${ratio(2 * old, node)}`);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

interface Sample {
  text: string;
  patientId: string;
}

function sampleOf(file: string): Sample | undefined {
  const text = readFileSync(file, 'utf8');
  const patient = (JSON.parse(text) as Bundle).entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
  return patient?.id ? { text, patientId: patient.id } : undefined;
}

/** The k-th copy of a sample, re-identified so no two copies share a patient id. */
function copyOf(sample: Sample, k: number): string {
  return k === 0 ? sample.text : sample.text.split(sample.patientId).join(`${sample.patientId}-${k}`);
}

/** Times parse alone, then parse + group + normalise + screen for every trial (normalised once, then once per trial). */
function inProcess(label: string, texts: string[], trials: CompiledTrial[]): void {
  const parse = (): number => {
    let sink = 0;
    const started = performance.now();
    for (const text of texts) sink += (JSON.parse(text) as Bundle).entry?.length ?? 0;
    if (sink < 0) console.log(sink);
    return performance.now() - started;
  };
  const screen = (once: boolean): number => {
    const started = performance.now();
    for (const text of texts) {
      const { patients } = groupResourcesByPatient(JSON.parse(text) as Bundle, { resourceTypes: SCREENING_RESOURCE_TYPES });
      for (const p of patients) {
        if (once) screenResourcesForTrials(trials, p, OPTIONS);
        else for (const trial of trials) screenResources(trial, p, OPTIONS);
      }
    }
    return performance.now() - started;
  };
  // Warm every path, so none pays for JIT compilation alone.
  parse();
  screen(true);
  screen(false);
  const parseMs = median([parse(), parse(), parse()]);
  const onceMs = median([screen(true), screen(true), screen(true)]);
  const perTrialMs = median([screen(false), screen(false), screen(false)]);
  const mb = texts.reduce((sum, t) => sum + t.length, 0) / 1e6;
  console.log(`   ${label}: ${texts.length} patients, ${mb.toFixed(0)} MB of JSON`);
  console.log(`     JSON.parse alone (text in memory):        ${ms(parseMs)}`);
  console.log(`     parse + screen ${trials.length} trials, normalised once: ${ms(onceMs)} = ${ratio(onceMs, parseMs)} the parse (${((texts.length / onceMs) * 1000).toFixed(0)} patients/s)`);
  console.log(`     ... normalised once per trial (before):   ${ms(perTrialMs)} = ${ratio(perTrialMs, parseMs)} the parse`);
}

function inProcessScreening(trials: CompiledTrial[]): void {
  console.log('\n2. In-process screening against read + parse (median of 3 after a warm-up)');
  const seeds = ['sle-eligible', 'sle-potential-candidate'].map((n) => sampleOf(path.join(EXAMPLES, `${n}.json`))).filter((s): s is Sample => !!s);
  const copies = Array.from({ length: candidates }, (_, i) => copyOf(seeds[i % seeds.length] as Sample, Math.floor(i / seeds.length)));
  inProcess('candidates (copies of sle-eligible, sle-potential-candidate)', copies, trials);
  if (!existsSync(SAMPLES)) {
    console.log(`   Synthea: no samples at ${SAMPLES}`);
    return;
  }
  const synthea = readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => sampleOf(path.join(SAMPLES, f)))
    .filter((s): s is Sample => !!s)
    .map((s) => s.text);
  inProcess('Synthea samples', synthea, trials);
}

async function httpPerPatient(trials: CompiledTrial[]): Promise<void> {
  console.log('\n3. HTTP: every patient of the embedded FHIR server, every trial');
  const fhirServer = createFhirServer({ validateWrites: false });
  await loadFhirFiles(fhirServer, existsSync(SAMPLES) ? [EXAMPLES, SAMPLES] : [EXAMPLES]);
  const fhir = await fhirServer.listen(0);
  const service = await benchService(fhir.baseUrl);
  try {
    const { base, headers } = service;
    const patients = ((await (await fetch(`${fhir.baseUrl}/Patient?_count=1000`)).json()) as { entry: { resource: { id: string } }[] }).entry.map((e) => e.resource.id);
    const post = async (url: string, body: unknown): Promise<void> => {
      const response = await fetch(`${base}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    };
    // Four callers at once, as a page of a few users would.
    const each = async (work: (id: string) => Promise<void>): Promise<number> => {
      const queue = [...patients];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) await work(id);
        }),
      );
      return performance.now() - started;
    };
    const perTrial = (id: string): Promise<void> => Promise.all(trials.map((t) => post(`/api/trials/${t.id}/screen`, { patientId: id, ...OPTIONS }))).then(() => undefined);
    const together = (id: string): Promise<void> => post('/api/screen', { patientId: id, ...OPTIONS });
    await each(together);
    await each(perTrial);
    const oneRequest = median([await each(together), await each(together), await each(together)]);
    const requestPerTrial = median([await each(perTrial), await each(perTrial), await each(perTrial)]);
    console.log(`   ${patients.length} patients, ${trials.length} trials, 4 callers (median of 3 after a warm-up)`);
    console.log(`   POST /api/screen, 1 request per patient:              ${ms(oneRequest)} (${(oneRequest / patients.length).toFixed(1)} ms per patient)`);
    console.log(`   POST /api/trials/:id/screen, ${trials.length} requests per patient:  ${ms(requestPerTrial)} (${(requestPerTrial / patients.length).toFixed(1)} ms per patient)`);
    console.log(`   one request per patient takes ${ratio(oneRequest, requestPerTrial)} the time of one per trial`);
  } finally {
    await service.close();
    await fhir.close();
  }
}

async function main(): Promise<void> {
  const trials = [...loadCatalog().trials.values()];
  console.log(`where people wait: trials ${trials.map((t) => t.id).join(', ')}`);
  cliStartup();
  inProcessScreening(trials);
  await httpPerPatient(trials);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
