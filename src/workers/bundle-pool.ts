import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Bundle } from '@medplum/fhirtypes';
import { EligoError, type EligoErrorCode } from '../errors/eligo-error';
import type { EligibilityReport } from '../report/types';
import type { ScreenOptions } from '../usecases/screen';
import type { BundleAnswer, BundleJob } from './bundle-worker';

interface Pending {
  resolve(answer: EligibilityReport | EligibilityReport[]): void;
  reject(error: Error): void;
}

/**
 * Screens large posted Bundles on a worker thread, so one big record does not hold the event
 * loop (health checks, other callers) while it is grouped and evaluated. One thread, started on
 * first use; Admission bounds how many wait for it. A thread that dies fails what it held and
 * is replaced on the next request.
 */
export class BundleScreeningPool {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Bundles screened on the thread so far. */
  screened = 0;

  constructor(private readonly mappingsDir?: string) {}

  screen(trialId: string, bundle: Bundle, options: ScreenOptions): Promise<EligibilityReport> {
    return this.post({ trialId, bundle, options }) as Promise<EligibilityReport>;
  }

  /** One Bundle for several trials: sent to the thread once, grouped and normalised there once. */
  screenForTrials(trialIds: readonly string[], bundle: Bundle, options: ScreenOptions): Promise<EligibilityReport[]> {
    return this.post({ trialId: trialIds[0] ?? '', trialIds: [...trialIds], bundle, options }) as Promise<EligibilityReport[]>;
  }

  private post(job: Omit<BundleJob, 'id'>): Promise<EligibilityReport | EligibilityReport[]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<EligibilityReport | EligibilityReport[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...job } satisfies BundleJob);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    // Compiled (dist/*.js) the worker file runs as is; from the sources (tests, tsx) it is
    // required through tsx's CommonJS hook (Node 20 does not pass --import hooks to a worker's entry).
    const compiled = __filename.endsWith('.js');
    const entry = path.join(__dirname, `bundle-worker.${compiled ? 'js' : 'ts'}`);
    const worker = compiled
      ? new Worker(entry, { workerData: { mappingsDir: this.mappingsDir } })
      : new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true, workerData: { mappingsDir: this.mappingsDir } });
    worker.unref();
    worker.on('message', (answer: BundleAnswer) => {
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      this.pending.delete(answer.id);
      this.screened++;
      if ('report' in answer) waiting.resolve(answer.report as EligibilityReport);
      else if ('reports' in answer) waiting.resolve(answer.reports as EligibilityReport[]);
      else waiting.reject(new EligoError((answer.error.code as EligoErrorCode | undefined) ?? 'ERR_INTERNAL', answer.error.message, answer.error.where ? { where: answer.error.where } : {}));
    });
    const fail = (): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(new EligoError('ERR_INTERNAL', 'the screening worker stopped'));
      }
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.worker = worker;
    return worker;
  }
}
