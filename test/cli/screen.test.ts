import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from './run';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const example = (name: string) => path.join(EXAMPLES, `${name}.json`);
const DATES = ['--as-of', '2026-06-15', '--leukapheresis', '2026-07-01'];

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'eligo-cli-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('eligo screen on files', () => {
  it('prints exactly one JSON object for one patient', async () => {
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', example('sle-eligible'), ...DATES);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ trial: 'sle-cart', patient: 'Patient/sle-eligible', asOf: '2026-06-15', outcome: 'eligible' });
    expect(Array.isArray(report.criteria)).toBe(true);
  });

  it('prints one line per patient in ndjson for a folder', async () => {
    const run = await cli('screen', '--trial', 'ssc-cart', '--bundle', EXAMPLES, '--format', 'ndjson', ...DATES);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { patient: string; outcome: string });
    expect(lines).toHaveLength(6);
    expect(new Set(lines.map((l) => l.patient)).size).toBe(6);
  });

  it('renders text for people', async () => {
    const run = await cli('screen', '--trial', 'ssc-cart', '--bundle', example('ssc-ineligible'), '--format', 'text', ...DATES);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Outcome: INELIGIBLE');
    expect(run.stdout).toContain('ssc.inc.diagnosis');
  });

  it('uses today as the as-of date by default', async () => {
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', example('sle-eligible'));
    expect((JSON.parse(run.stdout) as { asOf: string }).asOf).toBe('2026-06-15');
  });
});

describe('eligo screen with bad arguments or input', () => {
  it.each([
    [['screen', '--bundle', 'x.json'], /--trial is required/],
    [['screen', '--trial', 'sle-cart'], /--bundle or --fhir is required/],
    [['screen', '--trial', 'no-such-trial', '--bundle', 'x.json'], /unknown trial "no-such-trial"; known trials: .*sle-cart/],
    [['screen', '--trial', 'sle-cart', '--bundle', 'x.json', '--as-of', '2026-02-30'], /as-of date "2026-02-30" is not a calendar date/],
    [['screen', '--trial', 'sle-cart', '--bundle', 'x.json', '--format', 'xml'], /--format must be json, ndjson or text/],
    [['screen', '--trial', 'sle-cart', '--bundel', 'x.json'], /bundel/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('exits 2 for %j with a message that says what', async (argv, message) => {
    const run = await cli(...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('names a path that does not exist', async () => {
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', '/nonexistent/bundle.json', ...DATES);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/bundle.json');
  });

  it('names a file that is not JSON and still screens the readable ones', async () => {
    const broken = tempFile('broken.json', '{ this is not json');
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', broken, '--bundle', example('sle-eligible'), '--format', 'ndjson', ...DATES);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('broken.json');
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('names a JSON file that is not FHIR', async () => {
    const notFhir = tempFile('not-fhir.json', JSON.stringify({ hello: 'world' }));
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', notFhir, ...DATES);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not-fhir.json');
  });

  it('skips an unusable resource with a warning and reports the criterion it feeds as unknown', async () => {
    const bundle = JSON.parse(readFileSync(example('sle-eligible'), 'utf8')) as { entry: { resource: Record<string, unknown> }[] };
    const hb = bundle.entry.find((e) => (e.resource.code as { coding?: { code?: string }[] } | undefined)?.coding?.[0]?.code === '718-7');
    if (!hb) throw new Error('example lost its hemoglobin');
    hb.resource.valueQuantity = { value: 'eleven', unit: 'g/dL' };
    const file = tempFile('bad-hb.json', JSON.stringify(bundle));
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', file, ...DATES);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { criteria: { id: string; status: string }[]; warnings: { where: string }[]; outcome: string };
    expect(report.criteria.find((c) => c.id === 'sle.inc.hemoglobin')?.status).toBe('unknown');
    expect(report.warnings.length).toBeGreaterThan(0);
    expect(report.outcome).toBe('potential-candidate');
  });
});

describe('eligo validate', () => {
  it('accepts the shipped mappings', async () => {
    const run = await cli('validate');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/mappings OK: .* trials: .*sle-cart.*ssc-cart/);
  });
});
