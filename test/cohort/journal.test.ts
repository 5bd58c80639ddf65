import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readJournal, runPaths } from '../../src/cohort';
import { JournalWriter } from '../../src/cohort/journal/journal-file';
import { acquireLock } from '../../src/cohort/journal/run-dir';
import { forEachLimit } from '../../src/cohort/run/pool';
import { UnavailableGuard } from '../../src/cohort/run/unavailable-guard';
import { isEligoError } from '../../src/errors/eligo-error';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'eligo-cohort-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const screened = (patientId: string): { type: 'screened'; patientId: string; outcome: 'ineligible'; notMet: string[]; awaitingWashout: string[]; unknown: string[]; review: string[]; at: string } => ({
  type: 'screened',
  patientId,
  outcome: 'ineligible',
  notMet: ['sle.inc.age'],
  awaitingWashout: [],
  unknown: [],
  review: [],
  at: '2026-06-15T00:00:00.000Z',
});
const unavailable = (patientId: string): { type: 'failed'; patientId: string; code: string; reason: string; at: string } => ({
  type: 'failed',
  patientId,
  code: 'ERR_FHIR_UNAVAILABLE',
  reason: 'down',
  at: '2026-06-15T00:00:00.000Z',
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('the run journal', () => {
  it('writes one line per record and cuts a line a crash left half-written when reopened', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const writer = JournalWriter.open(file);
    writer.append(screened('a'));
    writer.append(screened('b'));
    writer.close();
    appendFileSync(file, '{"type":"screened","patientId":"c","outc');
    expect((await all(readJournal(file))).map((r) => (r.type === 'screened' ? r.patientId : r.type))).toEqual(['a', 'b']);
    const reopened = JournalWriter.open(file);
    reopened.append(screened('c'));
    reopened.close();
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { patientId: string }).patientId)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a damaged line in the middle, naming it, rather than guessing', async () => {
    const file = path.join(dir, 'journal.jsonl');
    writeFileSync(file, `${JSON.stringify(screened('a'))}\nnot json\n${JSON.stringify(screened('b'))}\n`);
    const error: unknown = await all(readJournal(file)).catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_INPUT_INVALID')).toBe(true);
    expect((error as Error).message).toContain('line 2');
  });

  it('lets one process at a time hold a run, and takes over the lock of a process that is gone', () => {
    const paths = runPaths(dir, 'locked');
    mkdirSync(paths.dir, { recursive: true });
    const release = acquireLock(paths);
    const error: unknown = (() => {
      try {
        acquireLock(paths);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isEligoError(error, 'ERR_WRITE_CONFLICT')).toBe(true);
    release();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(paths.lock, JSON.stringify({ pid: Number(gone.stdout.toString()), host: hostname() }));
    const again = acquireLock(paths);
    again();
  });
});

describe('bounded concurrency', () => {
  async function* numbers(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i;
  }

  it('keeps at most the limit in flight and handles every item once', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await forEachLimit(numbers(50), 4, new AbortController().signal, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      done.push(i);
      inFlight--;
    });
    expect(most).toBe(4);
    expect(done.sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
  });

  it('stops taking items on abort, finishing those in flight', async () => {
    const controller = new AbortController();
    const done: number[] = [];
    await forEachLimit(numbers(50), 3, controller.signal, async (i) => {
      if (i === 5) controller.abort();
      await new Promise((resolve) => setImmediate(resolve));
      done.push(i);
    });
    expect(done.length).toBeLessThanOrEqual(8);
    expect(done).toContain(5);
  });

  it('rethrows the first error after the other calls finish', async () => {
    const done: number[] = [];
    const error: unknown = await forEachLimit(numbers(10), 2, new AbortController().signal, async (i) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (i === 3) throw new Error('disk full');
      done.push(i);
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('disk full');
    expect(done.length).toBeLessThan(10);
  });
});

describe('telling a server outage from failing patients', () => {
  it('journals held ERR_FHIR_UNAVAILABLE failures once a later patient succeeds', () => {
    const guard = new UnavailableGuard(3);
    expect(guard.accept(unavailable('a'))).toEqual([]);
    expect(guard.accept(unavailable('b'))).toEqual([]);
    expect(guard.accept(screened('c')).map((r) => r.patientId)).toEqual(['a', 'b', 'c']);
    expect(guard.tripped).toBe(false);
  });

  it('trips after the limit in a row and drops them, so a resumed run screens those patients', () => {
    const guard = new UnavailableGuard(3);
    for (const id of ['a', 'b', 'c', 'd']) expect(guard.accept(unavailable(id))).toEqual([]);
    expect(guard.tripped).toBe(true);
    expect(guard.flush()).toEqual([]);
  });
});
