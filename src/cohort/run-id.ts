import { randomBytes } from 'node:crypto';

/** `<trial>-<UTC date and time>-<4 hex>`: sortable by start, unique without coordination. */
export function newRunId(trialId: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${trialId}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** A scheduled run's id: the trial and the minute it was due, so a schedule fires one run per slot. */
export function scheduledRunId(trialId: string, due: Date): string {
  const stamp = due.toISOString().slice(0, 16).replace(/[-:]/g, '');
  return `${trialId}-scheduled-${stamp}Z`;
}
