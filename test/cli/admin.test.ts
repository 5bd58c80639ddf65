import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadApiKeysFile } from '../../src/access/api-keys';
import { cli } from './run';

// The CLI's frozen clock (test/cli/run.ts) is 2026-06-15T09:00:00Z.
const NOW = new Date('2026-06-15T09:00:00Z').getTime();
const daysAgo = (days: number): Date => new Date(NOW - days * 86_400_000);

function touch(file: string, when: Date, text = '{}'): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  utimesSync(file, when, when);
}

describe('eligo api-key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'eligo-api-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a new key once and appends only its hash, name and scopes to the keys file (0600)', async () => {
    const file = path.join(dir, 'keys.yaml');
    const first = await cli('api-key', '--name', 'coordinator', '--scope', 'system/*.rs', '--scope', 'eligo/population', '--file', file);
    const second = await cli('api-key', '--name', 'nightly job', '--scope', 'system/*.rs', '--file', file);
    expect([first.code, second.code]).toEqual([0, 0]);
    const key = first.stdout.trim();
    expect(key).toMatch(/^eligo_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keys = loadApiKeysFile(file);
    expect(keys.size).toBe(2);
    expect(keys.find(key)).toMatchObject({ name: 'coordinator', scopes: ['system/*.rs', 'eligo/population'] });
    expect(keys.find(second.stdout.trim())).toMatchObject({ name: 'nightly job' });
  });

  it('refuses a key without a name or scopes (exit 2, naming the flag)', async () => {
    expect(await cli('api-key', '--scope', 'system/*.rs')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--name is required/) });
    expect(await cli('api-key', '--name', 'x')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--scope is required/) });
  });
});

describe('eligo purge', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-purge-'));
    touch(path.join(dataDir, 'reports', 'sle-cart-old.json'), daysAgo(120));
    touch(path.join(dataDir, 'reports', 'sle-cart-new.json'), daysAgo(5));
    touch(path.join(dataDir, 'cohort-runs', 'old-run', 'run.json'), daysAgo(200));
    touch(path.join(dataDir, 'cohort-runs', 'old-run', 'journal.jsonl'), daysAgo(100), '');
    utimesSync(path.join(dataDir, 'cohort-runs', 'old-run'), daysAgo(200), daysAgo(200));
    // Created long ago, journaled last week: still in use.
    touch(path.join(dataDir, 'cohort-runs', 'recent-run', 'run.json'), daysAgo(200));
    touch(path.join(dataDir, 'cohort-runs', 'recent-run', 'journal.jsonl'), daysAgo(7), '');
    touch(path.join(dataDir, 'cohort-runs', 'held-run', 'run.json'), daysAgo(300));
    touch(path.join(dataDir, 'cohort-runs', 'held-run', 'lock'), daysAgo(300));
    utimesSync(path.join(dataDir, 'cohort-runs', 'recent-run'), daysAgo(200), daysAgo(200));
    utimesSync(path.join(dataDir, 'cohort-runs', 'held-run'), daysAgo(300), daysAgo(300));
    touch(path.join(dataDir, 'audit', '2025-01-01.jsonl'), daysAgo(530), '');
    touch(path.join(dataDir, 'audit', '2026-06-14.jsonl'), daysAgo(1), '');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('removes reports and finished runs past the retention, keeps recent ones and runs a process holds, and the audit trail unless asked', async () => {
    const dry = await cli('purge', '--older-than', '90', '--data-dir', dataDir, '--dry-run');
    expect(dry.stdout).toContain('would remove 1 stored reports, 1 cohort runs, 0 audit days');
    expect(existsSync(path.join(dataDir, 'reports', 'sle-cart-old.json'))).toBe(true);
    const run = await cli('purge', '--older-than', '90', '--data-dir', dataDir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('removed 1 stored reports, 1 cohort runs, 0 audit days');
    expect(run.stdout).toContain('held-run');
    expect(existsSync(path.join(dataDir, 'reports', 'sle-cart-old.json'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'reports', 'sle-cart-new.json'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'cohort-runs', 'old-run'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'cohort-runs', 'recent-run'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'cohort-runs', 'held-run'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'audit', '2025-01-01.jsonl'))).toBe(true);
    const audit = await cli('purge', '--older-than', '90', '--audit-older-than', '365', '--data-dir', dataDir);
    expect(audit.stdout).toContain('1 audit days');
    expect(existsSync(path.join(dataDir, 'audit', '2025-01-01.jsonl'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'audit', '2026-06-14.jsonl'))).toBe(true);
  });

  it('needs a whole number of days', async () => {
    expect(await cli('purge', '--data-dir', dataDir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--older-than <days> is required/) });
    expect(await cli('purge', '--older-than', '3 months', '--data-dir', dataDir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/whole number of days/) });
  });
});
