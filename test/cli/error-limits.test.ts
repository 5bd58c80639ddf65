import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAX_ERROR_TEXT_CHARS, MAX_LISTED_PROBLEMS, MAX_PROBLEM_CHARS } from '../../src/errors/limits';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(__dirname, 'support/eligo-cli.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  stderrBytes: number;
}

/** The CLI in a child process; stderr is counted in full but only its start is kept. */
function eligo(...argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stderrBytes = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderrBytes += d.length;
      if (stderr.length < 200_000) stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, stderrBytes }));
  });
}

function tempFile(name: string, content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'eligo-limits-')), name);
  writeFileSync(file, content);
  return file;
}

const patient = { resource: { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1990-01-01' } };

describe('eligo screen on a Bundle full of junk', () => {
  it('prints the first problems and a count, not a line per entry', async () => {
    const junk = 200_000;
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [patient, ...Array.from({ length: junk }, () => 1)] };
    const file = tempFile('junk.json', JSON.stringify(bundle));
    const run = await eligo('screen', '--trial', 'sle-cart', '--bundle', file, '--as-of', '2026-06-15', '--format', 'ndjson');
    expect(run.code).toBe(2);
    // The patient that could be read is still screened.
    expect(JSON.parse(run.stdout) as unknown).toMatchObject({ patient: 'Patient/p1' });
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(lines[0]).toBe(`eligo: ${file} entry[1]: entry is not an object`);
    expect(lines[MAX_LISTED_PROBLEMS]).toBe(`eligo: … and ${junk - MAX_LISTED_PROBLEMS} more`);
    expect(run.stderrBytes).toBeLessThan(20_000);
  });

  it('clips a problem that quotes a huge reference', async () => {
    const reference = `Group/${'g'.repeat(2_000_000)}`;
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [patient, { resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'Hb' }, subject: { reference } } }] };
    const file = tempFile('long-reference.json', JSON.stringify(bundle));
    const run = await eligo('screen', '--trial', 'sle-cart', '--bundle', file, '--as-of', '2026-06-15');
    expect(run.code).toBe(2);
    expect(run.stderrBytes).toBeLessThan(MAX_PROBLEM_CHARS + 200);
    expect(run.stderr).toMatch(/^eligo: .*long-reference\.json Observation\/o1: skipped: its subject Group\/g+… \(\d+ more characters\)\n$/);
  });
});

describe('eligo error messages', () => {
  it('clips a message that quotes a huge argument', async () => {
    const trial = 't'.repeat(100_000);
    const run = await eligo('screen', '--trial', trial, '--bundle', 'x.json');
    expect(run.code).toBe(2);
    expect(run.stderrBytes).toBeLessThan(MAX_ERROR_TEXT_CHARS + 100);
    expect(run.stderr).toMatch(/^eligo: unknown trial "t+… \(\d+ more characters\)\n$/);
  });
});
