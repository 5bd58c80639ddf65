import { loadCatalog } from '../../src/mapping/compile';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(__dirname, 'support', 'eligo-cli.ts');
const RECORDER = path.join(__dirname, 'support', 'record-modules.js');
const EXAMPLE = path.join(ROOT, 'examples', 'sle-eligible.json');

/** What the service and the queue need, and `screen --bundle` does not. */
const SERVICE_PACKAGES = ['express', 'bullmq', 'ioredis', 'oidc-provider', 'openid-client', 'pino', 'jose', '@medplum/fhir-router'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'eligo-startup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in a process of its own and returns the packages it loaded, by name. */
async function packagesLoadedBy(name: string, ...argv: string[]): Promise<{ stdout: string; packages: Set<string> }> {
  const record = path.join(dir, `${name}.txt`);
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', RECORDER, '--import', 'tsx', ENTRY, ...argv], {
    cwd: ROOT,
    env: { ...process.env, RECORD_MODULES_TO: record, ELIGO_CACHE_DIR: path.join(dir, 'cache') },
    maxBuffer: 16 * 1024 * 1024,
  });
  const packages = new Set<string>();
  for (const file of readFileSync(record, 'utf8').split('\n')) {
    const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (match?.[1]) packages.add(match[1].replace(/\\/g, '/'));
  }
  return { stdout, packages };
}

describe('what each command loads', () => {
  it('screen --bundle screens without loading the service, the queue, Redis or OpenID modules', async () => {
    const { stdout, packages } = await packagesLoadedBy('screen', 'screen', '--trial', 'all', '--bundle', EXAMPLE, '--as-of', '2026-06-15');
    expect((JSON.parse(stdout) as { trial: string }[]).map((r) => r.trial)).toEqual([...loadCatalog().trials.keys()]);
    expect(SERVICE_PACKAGES.filter((p) => packages.has(p))).toEqual([]);
  }, 60_000);

  it('the same recording sees the queue modules when a command does need them (cohort)', async () => {
    const { stdout, packages } = await packagesLoadedBy('cohort', 'cohort', '--help');
    expect(stdout).toMatch(/eligo cohort/);
    expect(packages.has('bullmq')).toBe(true);
  }, 60_000);
});
