/**
 * Benchmark: "fast where people wait" (issue 12), as ratios, in one run.
 *  1. The CLI, one patient, the two seed trials (`eligo screen --trial sle-cart --trial ssc-cart
 *     --bundle ...`), against `node -e 0` (Node's own start): with the catalog cache cold, warm,
 *     and turned off; and every trial with the cache warm. BENCH_BASELINE_BIN=<an older
 *     checkout>/bin/eligo.js adds that build's time for comparison.
 *  2. In-process screening from files against read + parse (readFileSync + JSON.parse of the same
 *     files; with fs.promises.readFile too, as the issue measured it), for candidates (re-identified copies of the sle-eligible and
 *     sle-potential-candidate examples, written to a temporary folder) and for the Synthea
 *     samples: the two seed trials (the targets: at most 3 x for candidates, 1.5 x for
 *     Synthea) and, for information, every trial; with the share of reading, normalising and
 *     evaluating.
 *  3. HTTP over the embedded FHIR server: every patient screened for every trial in one
 *     POST /api/screen, in units of one one-trial request (the target: at most 1.2),
 *     and against one POST /api/trials/:id/screen per trial.
 *  4. A peer on the same patients: fhirpath.js evaluating four of sle-cart's criteria as FHIRPath
 *     (bench/peer-fhirpath.ts) against eligo normalising and evaluating every criterion of the
 *     seed trials, for candidates and for the Synthea samples.
 *  5. `npm start` (node dist/main.js, the embedded demo) from spawn to its first /health answer,
 *     against a bare express app's, and on to /health saying the demo data is ready.
 * Prints the numbers and whether each target is met; passes or fails nothing.
 *
 *   npm run build && npx tsx bench/where-people-wait.ts
 *   BENCH_RUNS=15 BENCH_CANDIDATES=4000 npx tsx bench/where-people-wait.ts
 *   BENCH_SECTIONS=2 BENCH_ROUNDS=9 npx tsx bench/where-people-wait.ts   # only the in-process section
 */
import { benchService } from './service';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Admission, DEFAULT_ADMISSION } from '../src/http/admission';
import { readPatientBundles, SCREENING_RESOURCE_TYPES } from '../src/input';
import { getTrial, loadCatalog, type CompiledTrial } from '../src/mapping/compile';
import { normalise, normaliseOptionsOf } from '../src/record/normalise';
import { createFhirServer, loadFhirFiles } from '../src/server';
import { timePeer } from './peer-fhirpath';
import { screenResourcesForTrials } from '../src/usecases/screen';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const SAMPLES = path.resolve(ROOT, '../shared/fhir-samples/synthea-r4');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const candidates = Number(process.env.BENCH_CANDIDATES ?? 2000);
/** Rounds of the in-process and HTTP timings (BENCH_ROUNDS, default 5 and 3). */
const inProcessRounds = Number(process.env.BENCH_ROUNDS ?? 5);
const httpRounds = Number(process.env.BENCH_ROUNDS ?? 3);
/** Which sections to run, e.g. BENCH_SECTIONS=2 (default all five). */
const sections = new Set((process.env.BENCH_SECTIONS ?? '12345').split(''));
/** The "both trials": the two trials the project began with. */
const SEED_TRIALS = ['sle-cart', 'ssc-cart'];
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
  console.log(`\n1. CLI: one patient, the seed trials (median of ${runs} runs)`);
  const bin = path.join(ROOT, 'bin', 'eligo.js');
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    console.log('   dist/ is not built: npm run build, then run this again');
    return;
  }
  const bundle = ['--bundle', path.join(EXAMPLES, 'sle-eligible.json'), '--as-of', OPTIONS.asOf];
  const screen = ['screen', ...SEED_TRIALS.flatMap((id) => ['--trial', id]), ...bundle];
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'eligo-bench-cache-'));
  try {
    const node = timeProcess(['-e', '0']);
    const cold = timeProcess([bin, ...screen], { ...process.env, ELIGO_CACHE_DIR: cacheDir }, () => rmSync(cacheDir, { recursive: true, force: true }));
    const warm = timeProcess([bin, ...screen], { ...process.env, ELIGO_CACHE_DIR: cacheDir });
    const off = timeProcess([bin, ...screen], { ...process.env, ELIGO_CACHE_DIR: 'off' });
    const all = timeProcess([bin, 'screen', '--trial', 'all', ...bundle], { ...process.env, ELIGO_CACHE_DIR: cacheDir });
    console.log(`   node -e 0:                 ${ms(node)}`);
    console.log(`   eligo, catalog cache warm: ${ms(warm)} = ${ratio(warm, node)} node -e 0`);
    console.log(`   eligo, catalog cache cold: ${ms(cold)} = ${ratio(cold, node)}`);
    console.log(`   eligo, catalog cache off:  ${ms(off)} = ${ratio(off, node)}`);
    console.log(`   eligo --trial all, warm:   ${ms(all)} = ${ratio(all, node)}`);
    const baseline = process.env.BENCH_BASELINE_BIN;
    if (baseline) {
      // An older build takes one --trial: it is run once per trial, as its users had to.
      const old = timeProcess([baseline, 'screen', '--trial', 'sle-cart', ...bundle]);
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

const verdict = (value: number, target: number): string => `${value <= target ? 'target met' : 'target NOT met'} (at most ${target} x)`;

/**
 * Each piece of work once to warm up (so none pays for JIT compilation alone), then `count`
 * rounds of all of them one after the other, timed by the wall clock and by the process's CPU
 * time (user + system, the I/O threads' included). Ratios are of CPU time within a round: the
 * other processes of a shared machine stretch wall times by whatever they happen to be doing
 * (and reading 500 small files waits on the I/O threads most of all), while the work done
 * stays the same. Gives each piece's median wall and CPU time and the median of a ratio.
 */
async function rounds<K extends string>(
  count: number,
  work: Record<K, () => Promise<unknown>>,
): Promise<{ wall: Record<K, number>; cpu: Record<K, number>; ratio(numerator: K, denominator: K, clock?: 'cpu' | 'wall'): number }> {
  const keys = Object.keys(work) as K[];
  for (const key of keys) await work[key]();
  const wall = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<K, number[]>;
  const cpu = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < count; round++) {
    for (const key of keys) {
      const started = performance.now();
      const usage = process.cpuUsage();
      await work[key]();
      const used = process.cpuUsage(usage);
      wall[key].push(performance.now() - started);
      cpu[key].push((used.user + used.system) / 1000);
    }
  }
  const medians = (times: Record<K, number[]>): Record<K, number> => Object.fromEntries(keys.map((key) => [key, median(times[key])])) as Record<K, number>;
  return {
    wall: medians(wall),
    cpu: medians(cpu),
    ratio: (numerator, denominator, clock = 'cpu') => {
      const times = clock === 'cpu' ? cpu : wall;
      return median(times[numerator].map((t, i) => t / (times[denominator][i] as number)));
    },
  };
}

/**
 * Times read + parse alone (readFileSync and JSON.parse of every file), then the screening as the CLI
 * does it (src/input reads and groups the files, each patient is normalised once and screened for
 * the trials), for the two seed trials (the target) and for every trial.
 */
async function inProcess(label: string, files: string[], seeds: CompiledTrial[], all: CompiledTrial[], target: number): Promise<void> {
  // The floor: read at once and parse. The read + parse awaited fs.promises.readFile,
  // which adds four trips through the I/O threads per file (open, stat, read, close) whose cost
  // swings with the machine's load; it is shown too, for comparison with the numbers.
  const readParse = async (): Promise<void> => {
    let sink = 0;
    for (const file of files) sink += (JSON.parse(readFileSync(file, 'utf8')) as Bundle).entry?.length ?? 0;
    if (sink < 0) console.log(await Promise.resolve(sink));
  };
  const readParseAwaited = async (): Promise<void> => {
    let sink = 0;
    for (const file of files) sink += (JSON.parse(await readFile(file, 'utf8')) as Bundle).entry?.length ?? 0;
    if (sink < 0) console.log(sink);
  };
  const screen = (trials: CompiledTrial[]) => async (): Promise<void> => {
    for await (const patient of readPatientBundles(files, { resourceTypes: SCREENING_RESOURCE_TYPES })) screenResourcesForTrials(trials, patient, OPTIONS);
  };
  // Where the time goes: reading and grouping, then normalising, without any trial.
  const normaliseOnly = async (): Promise<void> => {
    for await (const patient of readPatientBundles(files, { resourceTypes: SCREENING_RESOURCE_TYPES })) normalise(patient.resources, normaliseOptionsOf(patient));
  };
  const readOnly = async (): Promise<void> => {
    for await (const patient of readPatientBundles(files, { resourceTypes: SCREENING_RESOURCE_TYPES })) if (patient.resources.length < 0) console.log(patient);
  };
  const timing = await rounds(inProcessRounds, { base: readParse, awaited: readParseAwaited, read: readOnly, norm: normaliseOnly, seeds: screen(seeds), all: screen(all) });
  const { wall, cpu } = timing;
  const seedRatio = timing.ratio('seeds', 'base');
  const mb = files.reduce((sum, f) => sum + statSync(f).size, 0) / 1e6;
  const share = (n: number): string => `${Math.max(0, (100 * n) / cpu.seeds).toFixed(0)}%`;
  const both = (key: keyof typeof wall): string => `${ms(cpu[key])} CPU (${ms(wall[key])} wall)`;
  console.log(`   ${label}: ${files.length} patients, ${mb.toFixed(0)} MB of JSON`);
  console.log(`     read + parse alone (readFileSync + JSON.parse): ${both('base')}; with await fs.promises.readFile: ${both('awaited')}`);
  console.log(`     read + screen ${seeds.map((t) => t.id).join(' + ')}: ${both('seeds')} = ${seedRatio.toFixed(2)} x read + parse: ${verdict(seedRatio, target)} (${((files.length / wall.seeds) * 1000).toFixed(0)} patients/s)`);
  console.log(`       = ${timing.ratio('seeds', 'awaited').toFixed(2)} x read + parse with await fs.promises.readFile`);
  console.log(`       of which reading, parsing and grouping ${share(cpu.read)}, normalising ${share(cpu.norm - cpu.read)}, evaluating ${share(cpu.seeds - cpu.norm)}`);
  console.log(`     read + screen all ${all.length} trials (for information): ${both('all')} = ${timing.ratio('all', 'base').toFixed(2)} x read + parse`);
}

/** `count` candidates (re-identified copies of the two SLE examples) written to a temporary folder for `use`. */
async function withCandidateFiles(count: number, use: (files: string[]) => Promise<void>): Promise<void> {
  const samples = ['sle-eligible', 'sle-potential-candidate'].map((n) => sampleOf(path.join(EXAMPLES, `${n}.json`))).filter((s): s is Sample => !!s);
  const folder = mkdtempSync(path.join(tmpdir(), 'eligo-bench-candidates-'));
  try {
    const files = Array.from({ length: count }, (_, i) => {
      const file = path.join(folder, `candidate-${String(i).padStart(6, '0')}.json`);
      writeFileSync(file, copyOf(samples[i % samples.length] as Sample, Math.floor(i / samples.length)));
      return file;
    });
    await use(files);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function inProcessScreening(seeds: CompiledTrial[], all: CompiledTrial[]): Promise<void> {
  console.log(`\n2. In-process screening against read + parse (medians of ${inProcessRounds} rounds after a warm-up; CPU-time ratios within each round)`);
  await withCandidateFiles(candidates, async (files) => {
    await inProcess('candidates (copies of sle-eligible, sle-potential-candidate)', files, seeds, all, 3);
  });
  if (!existsSync(SAMPLES)) {
    console.log(`   Synthea: no samples at ${SAMPLES}`);
    return;
  }
  const synthea = readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(SAMPLES, f));
  await inProcess('Synthea samples', synthea, seeds, all, 1.5);
}

async function httpPerPatient(seeds: CompiledTrial[], trials: CompiledTrial[]): Promise<void> {
  console.log('\n3. HTTP: every patient of the embedded FHIR server, every trial');
  // Every request the FHIR server answers, counted, so requests per patient are read, not timed.
  let fhirRequests = 0;
  const fhirServer = createFhirServer({
    validateWrites: false,
    middleware: [
      (_req, _res, next) => {
        fhirRequests += 1;
        next();
      },
    ],
  });
  await loadFhirFiles(fhirServer, existsSync(SAMPLES) ? [EXAMPLES, SAMPLES] : [EXAMPLES]);
  const fhir = await fhirServer.listen(0);
  const callers = 4;
  // One key makes every request: the admission limits (sized for many callers, README "Limits")
  // must let this one caller have a request per trial per page in flight, or it measures 429s.
  const inFlight = callers * trials.length;
  const admission = new Admission({ maxActive: DEFAULT_ADMISSION.maxActive, maxQueued: inFlight, perCaller: inFlight, retryAfterSeconds: DEFAULT_ADMISSION.retryAfterSeconds });
  const service = await benchService(fhir.baseUrl, { admission });
  try {
    const { base, headers } = service;
    const patients = ((await (await fetch(`${fhir.baseUrl}/Patient?_count=1000`)).json()) as { entry: { resource: { id: string } }[] }).entry.map((e) => e.resource.id);
    const post = async (url: string, body: unknown): Promise<void> => {
      const response = await fetch(`${base}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    };
    // Four callers at once, as a page of a few users would.
    const each = (work: (id: string) => Promise<void>) => async (): Promise<void> => {
      const queue = [...patients];
      await Promise.all(
        Array.from({ length: callers }, async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) await work(id);
        }),
      );
    };
    const [first] = seeds;
    const oneTrial = (id: string): Promise<void> => post(`/api/trials/${first?.id ?? ''}/screen`, { patientId: id, ...OPTIONS });
    const together = (ids: CompiledTrial[]) => (id: string): Promise<void> => post('/api/screen', { patientId: id, trials: ids.map((t) => t.id), ...OPTIONS });
    const perTrial = (id: string): Promise<void> => Promise.all(trials.map((t) => post(`/api/trials/${t.id}/screen`, { patientId: id, ...OPTIONS }))).then(() => undefined);
    // FHIR requests of each way, over the warm-up and every round.
    const requestsOf = { one: 0, seeds: 0, all: 0, perTrial: 0 };
    const counted = (key: keyof typeof requestsOf, work: () => Promise<void>) => async (): Promise<void> => {
      const before = fhirRequests;
      await work();
      requestsOf[key] += fhirRequests - before;
    };
    const timing = await rounds(httpRounds, {
      one: counted('one', each(oneTrial)),
      seeds: counted('seeds', each(together(seeds))),
      all: counted('all', each(together(trials))),
      perTrial: counted('perTrial', each(perTrial)),
    });
    const fhirPerPatient = (key: keyof typeof requestsOf): number => requestsOf[key] / (httpRounds + 1) / patients.length;
    // Wall time here: the service and the FHIR server share this process, and a person waits on the answer.
    const { one: oneMs, seeds: seedMs, all: allMs, perTrial: perTrialMs } = timing.wall;
    const per = (n: number): string => `${(n / patients.length).toFixed(1)} ms per patient`;
    const requests = (key: 'seeds' | 'all' | 'perTrial'): number => timing.ratio(key, 'one', 'wall');
    console.log(`   ${patients.length} patients, ${callers} callers (medians of ${httpRounds} rounds after a warm-up); time in units of one one-trial request`);
    const fhirText = (key: keyof typeof requestsOf): string => `${fhirPerPatient(key).toFixed(2)} FHIR requests per patient`;
    console.log(`   POST /api/trials/${first?.id ?? ''}/screen, one trial: ${ms(oneMs)} (${per(oneMs)}) = 1 request; ${fhirText('one')}`);
    console.log(`   POST /api/screen, ${seeds.map((t) => t.id).join(' + ')}: ${ms(seedMs)} (${per(seedMs)}) = ${requests('seeds').toFixed(2)} requests per patient; ${fhirText('seeds')}`);
    console.log(`   POST /api/screen, all ${trials.length} trials together: ${ms(allMs)} (${per(allMs)}) = ${requests('all').toFixed(2)} one-trial requests per patient (${verdict(requests('all'), 1.2)}); ${fhirText('all')}: ${verdict(fhirPerPatient('all'), 1.2)}`);
    console.log(`   POST /api/trials/:id/screen, ${trials.length} requests per patient: ${ms(perTrialMs)} (${per(perTrialMs)}) = ${requests('perTrial').toFixed(2)} requests per patient; ${fhirText('perTrial')}`);
  } finally {
    await service.close();
    await fhir.close();
  }
}

/** Section 4: the peer, fhirpath.js, on the same candidates and Synthea patients as section 2. */
async function peerComparison(seeds: CompiledTrial[]): Promise<void> {
  console.log(`\n4. A peer on the same patients: fhirpath.js, four of sle-cart's criteria as FHIRPath (CPU time, medians of ${inProcessRounds} rounds after a warm-up)`);
  console.log('   the expressions carry the terminology\'s code lists as or-chains (FHIRPath has no value sets without a terminology server): they cost what the lists cost');
  const parsed = async (files: string[]): Promise<Resource[][]> => {
    const out: Resource[][] = [];
    for await (const patient of readPatientBundles(files, { resourceTypes: SCREENING_RESOURCE_TYPES })) out.push(patient.resources);
    return out;
  };
  const report = (label: string, patients: Resource[][]): void => {
    const t = timePeer(patients, seeds, OPTIONS, inProcessRounds);
    const perEligo = t.eligoMs / t.eligoCriteria;
    const perPeer = t.peerMs / t.peerCriteria;
    console.log(`   ${label}, ${patients.length} patients: eligo, normalise + ${t.eligoCriteria} criteria: ${ms(t.eligoMs)}; fhirpath.js, ${t.peerCriteria} expressions (${t.codingTests} coding tests in all): ${ms(t.peerMs)}`);
    console.log(`     eligo's ${t.eligoCriteria} criteria = ${ratio(t.eligoMs, t.peerMs)} fhirpath.js's ${t.peerCriteria}; per criterion ${ratio(perEligo, perPeer)}`);
  };
  // fhirpath.js takes about 1 ms per expression on a candidate: 500 of them are enough.
  await withCandidateFiles(Math.min(candidates, 500), async (files) => {
    report('candidates', await parsed(files));
  });
  if (existsSync(SAMPLES)) {
    const synthea = readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).map((f) => path.join(SAMPLES, f));
    report('Synthea samples', await parsed(synthea));
  }
}

/** A port no one listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Spawns `args`, polls `url` every 5 ms; the times from spawn to the first 200 and to `ready(body)`. */
async function untilAnswered(args: string[], env: NodeJS.ProcessEnv, url: string, ready: (body: string) => boolean): Promise<{ first: number; ready: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
  let first: number | undefined;
  try {
    for (;;) {
      if (performance.now() - started > 120_000) throw new Error(`${url} did not answer within 120 s`);
      try {
        const response = await fetch(url);
        const body = await response.text();
        if (response.status === 200) {
          first ??= performance.now() - started;
          if (ready(body)) return { first, ready: performance.now() - started };
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.kill();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** Section 5: `npm start` answers /health within 2 x a bare express start, the demo data after. */
async function serviceStart(): Promise<void> {
  const count = Math.max(3, Math.min(runs, 5));
  console.log(`\n5. npm start (node dist/main.js, embedded demo) to its first /health, against a bare express app (median of ${count} runs)`);
  if (!existsSync(path.join(ROOT, 'dist', 'main.js'))) {
    console.log('   dist/ is not built: npm run build, then run this again');
    return;
  }
  const bare = "const express=require('express');const app=express();app.get('/health',(_q,r)=>r.json({status:'ok'}));app.listen(Number(process.env.PORT),'127.0.0.1')";
  const bareTimes: number[] = [];
  const eligoFirst: number[] = [];
  const eligoReady: number[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    bareTimes.push((await untilAnswered(['-e', bare], { ...process.env, PORT: String(port) }, `http://127.0.0.1:${port}/health`, () => true)).first);
    const [api, fhir, sandbox] = [await freePort(), await freePort(), await freePort()];
    const dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-bench-start-'));
    try {
      const env = { ...process.env, ELIGO_PORT: String(api), ELIGO_EMBEDDED_FHIR_PORT: String(fhir), ELIGO_SANDBOX_PORT: String(sandbox), ELIGO_DATA_DIR: dataDir, ELIGO_LOG_LEVEL: 'silent' };
      const t = await untilAnswered([path.join(ROOT, 'dist', 'main.js')], env, `http://127.0.0.1:${api}/health`, (body) => /"demo":\s*"ready"/.test(body));
      eligoFirst.push(t.first);
      eligoReady.push(t.ready);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const bareMs = median(bareTimes);
  const firstMs = median(eligoFirst);
  console.log(`   bare express, first /health:  ${ms(bareMs)}`);
  console.log(`   npm start, first /health:     ${ms(firstMs)} = ${ratio(firstMs, bareMs)} bare express: ${verdict(firstMs / bareMs, 2)}`);
  console.log(`   npm start, demo data ready:   ${ms(median(eligoReady))}`);
}

async function main(): Promise<void> {
  const catalog = loadCatalog();
  const trials = [...catalog.trials.values()];
  const seeds = SEED_TRIALS.map((id) => getTrial(catalog, id));
  console.log(`where people wait: seed trials ${SEED_TRIALS.join(', ')}; all trials ${trials.map((t) => t.id).join(', ')}`);
  if (sections.has('1')) cliStartup();
  if (sections.has('2')) await inProcessScreening(seeds, trials);
  if (sections.has('3')) await httpPerPatient(seeds, trials);
  if (sections.has('4')) await peerComparison(seeds);
  if (sections.has('5')) await serviceStart();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
