import { parentPort, workerData } from 'node:worker_threads';
import type { Bundle } from '@medplum/fhirtypes';
import { isEligoError } from '../errors/eligo-error';
import { loadCatalogCached } from '../mapping/catalog-cache';
import { getTrial } from '../mapping/compile';
import type { ScreenOptions } from '../usecases/screen';
import { screenPostedBundle, screenPostedBundleForTrials } from './bundle-screen';

/** The worker thread of BundleScreeningPool: compiles the trials once, then screens Bundles on request. */
export interface BundleJob {
  id: number;
  trialId: string;
  /** Several trials (POST /api/screen): the Bundle is grouped and normalised once, the answer is `reports`. */
  trialIds?: string[];
  bundle: Bundle;
  options: ScreenOptions;
}
export type BundleAnswer = { id: number; report: unknown } | { id: number; reports: unknown[] } | { id: number; error: { code?: string; message: string; where?: string } };

// The service has just loaded the same mappings, so the cache is warm: the first large Bundle does not wait for the YAML to be parsed again.
const catalog = loadCatalogCached((workerData as { mappingsDir?: string }).mappingsDir);
parentPort?.on('message', (job: BundleJob) => {
  try {
    const answer: BundleAnswer = job.trialIds
      ? { id: job.id, reports: screenPostedBundleForTrials(job.trialIds.map((t) => getTrial(catalog, t)), job.bundle, job.options) }
      : { id: job.id, report: screenPostedBundle(getTrial(catalog, job.trialId), job.bundle, job.options) };
    parentPort?.postMessage(answer);
  } catch (error) {
    const answer: BundleAnswer = isEligoError(error)
      ? { id: job.id, error: { code: error.code, message: error.message, ...(error.where ? { where: error.where } : {}) } }
      : { id: job.id, error: { message: 'the screening worker failed' } };
    parentPort?.postMessage(answer);
  }
});
