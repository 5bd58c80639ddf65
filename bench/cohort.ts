/**
 * Benchmark: cohort runs at 1,000 and 10,000 patients: patients per second and peak memory.
 * Each size runs in its own child process so its peak RSS (getrusage maxRSS) is its own.
 *
 *   npx tsx bench/cohort.ts                      # in-memory candidates, 1,000 and 10,000
 *   BENCH_MODE=fhir npx tsx bench/cohort.ts      # over HTTP from the embedded FHIR server
 *   BENCH_SIZES=500,5000 BENCH_CONCURRENCY=8 npx tsx bench/cohort.ts
 *
 * memory mode: the candidates are copies (new patient ids) of the 6 examples and the 98 Synthea
 *   patients, generated one at a time as a stream source hands Bulk Data groups to the runner
 *   (resources supplied, no fetch). What is measured is the cohort machinery around the shared
 *   screening use case: journal (one fdatasync'd line per patient), counts, summary with the
 *   funnel and new candidates, CSV/HTML/MeasureReport rendering.
 * fhir mode: the parent process runs the embedded FHIR server loaded with copies of the 6
 *   examples (Synthea bundles are too big to hold 10,000 of them in one process); the child
 *   selects them by explicit ids and fetches each over HTTP (one batch per patient).
 *
 * Gate: the 10,000-patient run must peak at no more than 1.5x the 1,000-patient run's RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { fhirPorts } from '../src/app/fhir-ports';
import { boundHeapGrowth } from '../src/app/heap-growth';
import { buildMeasureReport, explicitIdsSource, renderCsv, renderHtml, runCohort, runPaths, type CandidateSource, type CohortInput } from '../src/cohort';
import { readPatientBundles, SCREENING_RESOURCE_TYPES } from '../src/input';
import { getTrial, loadCatalog } from '../src/mapping/compile';
import type { Resource } from '@medplum/fhirtypes';
import { createFhirServer } from '../src/server';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const SYNTHEA = path.resolve(ROOT, '..', 'shared', 'fhir-samples', 'synthea-r4');
const MODE = process.env.BENCH_MODE === 'fhir' ? 'fhir' : 'memory';
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const EXAMPLE_IDS = ['sle-eligible', 'sle-ineligible', 'sle-potential', 'ssc-eligible', 'ssc-ineligible', 'ssc-potential'];
const EXAMPLE_FILES = ['sle-eligible', 'sle-ineligible', 'sle-potential-candidate', 'ssc-eligible', 'ssc-ineligible', 'ssc-potential-candidate'];

interface Result {
  mode: string;
  patients: number;
  seconds: number;
  patientsPerSecond: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  /** Heap still in use after a full GC once the run is over: what the run kept. */
  retainedHeapMiB: number;
  journalKiB: number;
  summaryMs: number;
  outcomes: Record<string, number>;
  failed: number;
}

interface Template {
  patientId: string;
  text: string;
}

/** Each patient's screening resources as JSON text, to copy under new ids. */
async function templates(): Promise<Template[]> {
  const out: Template[] = [];
  for await (const group of readPatientBundles([EXAMPLES, SYNTHEA], { resourceTypes: SCREENING_RESOURCE_TYPES })) {
    out.push({ patientId: group.patientId, text: JSON.stringify(group.resources) });
  }
  return out;
}

function copyId(patientId: string, k: number): string {
  return `${patientId.slice(0, 40)}-b${k}`;
}

/** A stream of n candidates, each parsed from a template only when the runner takes it. */
function generatedSource(all: readonly Template[], n: number): CandidateSource {
  return {
    replay: 'stream',
    description: `${n} generated copies of the examples and Synthea patients`,
    open: () =>
      Promise.resolve({
        total: n,
        candidates: (async function* (): CohortInput {
          for (let k = 0; k < n; k++) {
            const t = all[k % all.length] as Template;
            const patientId = copyId(t.patientId, k);
            yield { patientId, resources: JSON.parse(t.text.split(t.patientId).join(patientId)) as Resource[] };
          }
        })(),
      }),
  };
}

async function child(n: number, baseUrl: string | undefined): Promise<Result> {
  // As `eligo cohort`, `eligo worker` and the service do (src/app/heap-growth.ts); BENCH_HEAP_GROWTH=v8 measures V8's default instead.
  if (process.env.BENCH_HEAP_GROWTH !== 'v8') boundHeapGrowth();
  const trial = getTrial(loadCatalog(), 'sle-cart');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-bench-cohort-'));
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
  try {
    const runId = `bench-${n}`;
    const definition = { trial: trial.id, asOf: '2026-06-15', leukapheresisDate: '2026-07-01', writeBack: false, writeMeasureReport: false };
    let run;
    const t0 = performance.now();
    if (baseUrl) {
      const ids = Array.from({ length: n }, (_, k) => copyId(EXAMPLE_IDS[k % EXAMPLE_IDS.length] as string, k));
      const ports = fhirPorts({ baseUrl });
      run = await runCohort(
        { runId, definition: { ...definition, select: { by: 'patients', patients: ids } }, concurrency: CONCURRENCY },
        { dataDir, trial, source: explicitIdsSource(ids), patients: ports.source },
      );
    } else {
      const source = generatedSource(await templates(), n);
      run = await runCohort({ runId, definition: { ...definition, select: { by: 'supplied', description: source.description } }, concurrency: CONCURRENCY }, { dataDir, trial, source });
    }
    const seconds = (performance.now() - t0) / 1000;
    const summary = run.summary;
    if (!summary) throw new Error(`run ended ${run.progress.status}: ${run.progress.error?.message ?? ''}`);
    const t1 = performance.now();
    renderCsv(summary);
    renderHtml(summary);
    buildMeasureReport(summary);
    const summaryMs = performance.now() - t1;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    (globalThis as { gc?: () => void }).gc?.();
    const retained = process.memoryUsage().heapUsed;
    return {
      mode: MODE,
      patients: summary.counts.screened + summary.counts.failed,
      seconds: Math.round(seconds * 10) / 10,
      patientsPerSecond: Math.round(n / seconds),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      peakHeapMiB: Math.round(peakHeap / 1024 / 1024),
      retainedHeapMiB: Math.round(retained / 1024 / 1024),
      journalKiB: Math.round(statSync(runPaths(dataDir, runId).journal).size / 1024),
      summaryMs: Math.round(summaryMs),
      outcomes: summary.counts.byOutcome,
      failed: summary.counts.failed,
    };
  } finally {
    clearInterval(sampler);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The embedded server with n copies of the examples (fhir mode), in the parent process. */
async function serveExampleCopies(n: number): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createFhirServer({ validateWrites: false });
  const texts = EXAMPLE_FILES.map((f) => readFileSync(path.join(EXAMPLES, `${f}.json`), 'utf8'));
  for (let k = 0; k < n; k++) {
    const i = k % EXAMPLE_IDS.length;
    const id = EXAMPLE_IDS[i] as string;
    await server.load(JSON.parse((texts[i] as string).split(id).join(copyId(id, k))) as Bundle, { owned: true });
  }
  return server.listen(0);
}

function runChild(n: number, baseUrl: string | undefined): Promise<Result> {
  return new Promise((resolve, reject) => {
    // BENCH_NODE_FLAGS: V8 flags for the measured child only (e.g. --max-old-space-size=256), to see how a heap budget changes the peak.
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const args = ['--expose-gc', ...flags, '--import', 'tsx', __filename, '--child', String(n), ...(baseUrl ? [baseUrl] : [])];
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolve(JSON.parse(line) as Result);
      else reject(new Error(`child for ${n} patients exited ${code}: ${out}`));
    });
  });
}

async function parent(): Promise<void> {
  console.log(`cohort benchmark, mode ${MODE}, concurrency ${CONCURRENCY}, trial sle-cart, Node ${process.version}`);
  const results: Result[] = [];
  for (const n of SIZES) {
    const server = MODE === 'fhir' ? await serveExampleCopies(n) : undefined;
    try {
      const r = await runChild(n, server?.baseUrl);
      results.push(r);
      console.log(
        `${String(n).padStart(6)} patients: ${r.seconds} s, ${r.patientsPerSecond} patients/s, peak RSS ${r.peakRssMiB} MiB, peak heap ${r.peakHeapMiB} MiB, heap kept after the run ${r.retainedHeapMiB} MiB, ` +
          `journal ${r.journalKiB} KiB, summary renders ${r.summaryMs} ms, outcomes ${JSON.stringify(r.outcomes)}, failed ${r.failed}`,
      );
    } finally {
      await server?.close();
    }
  }
  const small = results[0];
  const large = results.at(-1);
  if (small && large && large !== small) {
    const ratio = large.peakRssMiB / small.peakRssMiB;
    const ok = ratio <= 1.5;
    console.log(`peak RSS ${large.patients} vs ${small.patients} patients: ${ratio.toFixed(2)}x (limit 1.5x) ${ok ? 'OK' : 'TOO HIGH'}`);
    // What the run keeps, as opposed to garbage V8 lets pile up between full collections in a longer process.
    console.log(`heap kept after the run ${large.patients} vs ${small.patients} patients: ${(large.retainedHeapMiB / small.retainedHeapMiB).toFixed(2)}x`);
    if (!ok) process.exitCode = 1;
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  child(Number(process.argv[childAt + 1]), process.argv[childAt + 2])
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
} else {
  parent().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
