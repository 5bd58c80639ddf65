import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import { ReportPrinter } from '../../src/cli/screen-command';
import type { CliIo } from '../../src/cli/io';
import { groupResourcesByPatient } from '../../src/input';
import { loadCatalog } from '../../src/mapping/compile';
import type { EligibilityReport } from '../../src/report/types';
import { screenResourcesForTrials } from '../../src/usecases/screen';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const catalog = loadCatalog();
const trials = [...catalog.trials.values()];

/** Every example patient screened for every trial: reports with nested arrays, strings with quotes and unicode. */
const reports: EligibilityReport[] = ['sle-eligible', 'sle-ineligible', 'sle-potential-candidate', 'ssc-eligible', 'ssc-ineligible', 'ssc-potential-candidate'].flatMap((name) => {
  const bundle = JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Bundle;
  const [patient] = groupResourcesByPatient(bundle).patients;
  if (!patient) throw new Error(`${name} holds no patient`);
  return screenResourcesForTrials(trials, patient, { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' });
});

function capture(): { io: CliIo; text: () => string } {
  let text = '';
  return {
    io: { out: (t) => (text += t), err: () => undefined, errIsTty: false, now: () => new Date('2026-06-15T09:00:00Z') },
    text: () => text,
  };
}

describe('ReportPrinter json', () => {
  it.each([0, 1, 2, 3, 12])('prints %i reports exactly as JSON.stringify(value, null, 2) did', (count) => {
    const out = capture();
    const printer = new ReportPrinter('json', out.io, trials);
    const some = reports.slice(0, count);
    for (const report of some) printer.print(report);
    printer.finish();
    const expected = count === 0 ? '' : `${JSON.stringify(count === 1 ? some[0] : some, null, 2)}\n`;
    expect(out.text()).toBe(expected);
  });

  it('streams: each report is written once a second one shows it is an array, not at the end', () => {
    const out = capture();
    const printer = new ReportPrinter('json', out.io, trials);
    printer.print(reports[0] as EligibilityReport);
    expect(out.text()).toBe('');
    printer.print(reports[1] as EligibilityReport);
    const soFar = out.text();
    expect(soFar.startsWith('[\n  {')).toBe(true);
    expect(soFar).toContain(JSON.stringify((reports[1] as EligibilityReport).patient));
    printer.print(reports[2] as EligibilityReport);
    expect(out.text().length).toBeGreaterThan(soFar.length);
    printer.finish();
    expect(JSON.parse(out.text())).toEqual(JSON.parse(JSON.stringify(reports.slice(0, 3))));
  });

  it('a text value with newlines and quotes stays one JSON string, the layout unchanged', () => {
    const odd = { ...(reports[0] as EligibilityReport), trial: 'line one\nline "two"\u2028' } as EligibilityReport;
    const out = capture();
    const printer = new ReportPrinter('json', out.io, trials);
    printer.print(odd);
    printer.print(odd);
    printer.finish();
    expect(out.text()).toBe(`${JSON.stringify([odd, odd], null, 2)}\n`);
  });

  it('closes an array already begun when the run stops part-way, and drops a report still held', () => {
    const begun = capture();
    const printer = new ReportPrinter('json', begun.io, trials);
    printer.print(reports[0] as EligibilityReport);
    printer.print(reports[1] as EligibilityReport);
    printer.abort();
    expect(begun.text()).toBe(`${JSON.stringify(reports.slice(0, 2), null, 2)}\n`);
    const held = capture();
    const one = new ReportPrinter('json', held.io, trials);
    one.print(reports[0] as EligibilityReport);
    one.abort();
    one.finish();
    expect(held.text()).toBe('');
  });
});
