import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../bulk/support';

export const QUEUE = 'eligo-screening-test';

/** An `eligo worker` process (support/worker-child.ts) taking jobs from QUEUE. */
export interface WorkerProcess {
  child: ChildProcess;
  id: string;
}

export async function startWorker(id: string, env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-child.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, ELIGO_WORKER_ID: id, ELIGO_QUEUE_NAME: QUEUE, ELIGO_WORKER_CONCURRENCY: '2', ELIGO_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${id} did not start: ${stderr}`)), 40_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes(`ready ${id}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${id} exited (${code}): ${stderr}`));
    });
  });
  return { child, id };
}


export async function stopWorker(worker: WorkerProcess): Promise<number | null> {
  if (worker.child.exitCode !== null) return worker.child.exitCode;
  const exited = new Promise<number | null>((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGTERM');
  return exited;
}

