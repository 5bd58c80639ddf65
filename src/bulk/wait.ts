import { setTimeout as sleep } from 'node:timers/promises';
import { cancelled } from './bulk-http';

/** Waits, or throws ERR_CANCELLED as soon as the signal aborts. */
export async function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) throw cancelled();
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw error;
  }
}
