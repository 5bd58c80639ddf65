// One-shot demo loader: POSTs every FHIR transaction/batch Bundle (*.json) found in the folders
// named by LOAD_DIRS (comma-separated) to FHIR_BASE_URL, in file-name order. Missing folders
// are skipped. It loads nothing when the server already holds Patients (so `docker compose up`
// again does not duplicate the POSTed Synthea resources); LOAD_FORCE=1 loads anyway.
// Logs counts only: file names of the Synthea samples are patient names (synthetic, but still).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const base = (process.env.FHIR_BASE_URL ?? 'http://hapi:8080/fhir').replace(/\/+$/, '');
const dirs = (process.env.LOAD_DIRS ?? '/data/examples,/data/synthea').split(',').map((d) => d.trim()).filter(Boolean);
const headers = { accept: 'application/fhir+json', 'content-type': 'application/fhir+json' };

const existing = await fetch(`${base}/Patient?_summary=count`, { headers }).then((r) => r.json());
if ((existing.total ?? 0) > 0 && process.env.LOAD_FORCE !== '1') {
  console.log(`${base} already holds ${existing.total} Patients; nothing loaded (LOAD_FORCE=1 to load anyway)`);
  process.exit(0);
}

let bundles = 0;
let failed = 0;
for (const dir of dirs) {
  const names = await readdir(dir).catch(() => undefined);
  if (!names) {
    console.log(`${dir}: not there, skipped`);
    continue;
  }
  let n = 0;
  for (const name of names.filter((f) => f.endsWith('.json')).sort()) {
    n++;
    const bundle = JSON.parse(await readFile(join(dir, name), 'utf8'));
    if (bundle.resourceType !== 'Bundle' || !['transaction', 'batch'].includes(bundle.type)) continue;
    const res = await fetch(base, { method: 'POST', headers, body: JSON.stringify(bundle) });
    if (res.ok) {
      bundles++;
    } else {
      failed++;
      const outcome = await res.json().catch(() => ({}));
      const reason = (outcome.issue ?? []).map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join('; ');
      console.error(`${dir} file #${n}: ${res.status} ${reason.slice(0, 300)}`);
    }
  }
}
console.log(`loaded ${bundles} Bundles into ${base}; ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
