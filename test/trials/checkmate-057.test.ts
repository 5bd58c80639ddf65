import { lab, SNOMED } from '../real-ehr/helpers';
import { diagnosis, replacing, RXNORM, screener, statusOf } from './support';

/**
 * CheckMate 057 (NCT01673867), written as a mapping file with no code change: an eligible patient
 * and one failing each key criterion, as FHIR JSON through the real reader. The histology comes
 * from a SNOMED CT diagnosis (ICD-10-CM C34 says where, not what), the prior regimen from the
 * carboplatin and pemetrexed infusions, counted after the metastatic diagnosis (an anchor read
 * from the record).
 */
const TRIAL = 'checkmate-057';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1958-07-30', gender: 'male' };

let n = 0;
const histology = (code: string, display: string, onset = '2025-08-20'): Record<string, unknown> => ({
  ...diagnosis('C34.11', 'Malignant neoplasm of upper lobe, right bronchus or lung', onset),
  code: { coding: [{ system: SNOMED, code, display }] },
});
/** Infusions of one drug every 3 weeks from `start`, `cycles` of them (RxNorm ingredient code). */
const infusions = (rxnorm: string, display: string, start: string, cycles: number): Record<string, unknown>[] =>
  Array.from({ length: cycles }, (_, i) => ({
    resourceType: 'MedicationAdministration',
    id: `ma-${++n}`,
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: new Date(Date.parse(`${start}T10:00:00Z`) + i * 21 * 86_400_000).toISOString(),
    dosage: { route: { coding: [{ system: SNOMED, code: '47625008', display: 'Intravenous route' }] } },
  }));
const carboplatin = (start: string, cycles: number): Record<string, unknown>[] => infusions('40048', 'carboplatin', start, cycles);
/** Carboplatin with pemetrexed on the same days: a platinum doublet. */
const doublet = (start: string, cycles: number): Record<string, unknown>[] => [...carboplatin(start, cycles), ...infusions('68446', 'pemetrexed', start, cycles)];
/** An mCODE Cancer Stage Group observation (LOINC 21908-9) with an AJCC stage code. */
const stageGroup = (code: string, display: string, effective = '2025-08-20'): Record<string, unknown> =>
  lab('21908-9', 'Stage group.clinical Cancer', { effectiveDateTime: `${effective}T09:00:00Z`, valueCodeableConcept: { coding: [{ system: 'http://cancerstaging.org', code, display }] } });
const ecog = (answer: string, display: string): Record<string, unknown> => lab('89247-1', 'ECOG Performance Status score', { valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: answer, display }] } });

/** Adenocarcinoma of the lung with bone metastases, four cycles of carboplatin and pemetrexed last autumn, ECOG 1. */
const eligible = (): Record<string, unknown>[] => [
  histology('254626006', 'Adenocarcinoma of lung'),
  diagnosis('C79.51', 'Secondary malignant neoplasm of bone', '2025-08-20'),
  ...doublet('2025-09-10', 4),
  ecog('LA9623-5', 'Restricted in physically strenuous activity but ambulatory'),
];

const screen = screener(TRIAL, PATIENT);
const withoutHistology = (): Record<string, unknown>[] => eligible().filter((r) => !JSON.stringify(r).includes('254626006'));

describe('CheckMate 057 (NCT01673867) from its mapping file', () => {
  it('a patient who fits is a potential candidate with nothing unknown: the line of therapy and the progression are for a person to confirm', () => {
    const report = screen(eligible());
    expect(report.outcome).toBe('potential-candidate');
    expect(report.criteria.filter((c) => c.status === 'not_met' || c.status === 'unknown').map((c) => c.id)).toEqual([]);
    expect(statusOf(report, 'cm.inc.ecog')).toBe('met');
    expect(statusOf(report, 'cm.exc.cns_metastases')).toBe('met');
    expect(report.criteria.find((c) => c.id === 'cm.inc.prior_platinum')).toMatchObject({ status: 'review', explanation: expect.stringMatching(/carboplatin/) });
  });

  it.each([
    ['squamous histology', 'cm.inc.nsclc', [...withoutHistology(), histology('254634000', 'Squamous cell carcinoma of lung')]],
    ['no platinum chemotherapy on record', 'cm.inc.prior_platinum', eligible().filter((r) => r.resourceType !== 'MedicationAdministration')],
    ['a second platinum course after the metastatic diagnosis', 'cm.inc.prior_platinum', [...eligible(), ...doublet('2026-03-02', 2)]],
    ['carboplatin alone, no doublet', 'cm.inc.prior_platinum', eligible().filter((r) => !JSON.stringify(r).includes('pemetrexed'))],
    ['platinum only before the metastatic diagnosis (adjuvant)', 'cm.inc.prior_platinum', [...eligible().filter((r) => r.resourceType !== 'MedicationAdministration'), ...doublet('2024-06-01', 4)]],
    ['ECOG 2', 'cm.inc.ecog', replacing(eligible(), [ecog('LA9624-3', 'Ambulatory and capable of all selfcare but unable to carry out any work activities')])],
  ])('is ineligible with %s: %s not met', (_what, criterion, resources) => {
    const report = screen(resources);
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('asks a person about lung cancer with no histology on record, and about brain metastases, rather than ruling out', () => {
    const noHistology = screen([...withoutHistology(), diagnosis('C34.11', 'Malignant neoplasm of upper lobe, right bronchus or lung', '2025-08-20')]);
    expect(noHistology.criteria.find((c) => c.id === 'cm.inc.nsclc')).toMatchObject({ status: 'review', explanation: expect.stringMatching(/histology is non-squamous/) });
    expect(noHistology.outcome).toBe('potential-candidate');
    const brain = screen([...eligible(), diagnosis('C79.31', 'Secondary malignant neoplasm of brain', '2026-03-01')]);
    expect(statusOf(brain, 'cm.exc.cns_metastases')).toBe('review');
    expect(brain.outcome).toBe('potential-candidate');
  });

  it('is unknown, not ineligible, without a performance status on record', () => {
    const report = screen(eligible().filter((r) => !JSON.stringify(r).includes('89247-1')));
    expect(statusOf(report, 'cm.inc.ecog')).toBe('unknown');
    expect(report.outcome).toBe('potential-candidate');
  });

  describe('one prior platinum doublet for advanced or metastatic disease', () => {
    const prior = (resources: Record<string, unknown>[]): NonNullable<ReturnType<typeof screen>['criteria'][number]> => {
      const found = screen(resources).criteria.find((c) => c.id === 'cm.inc.prior_platinum');
      if (!found) throw new Error('no cm.inc.prior_platinum');
      return found;
    };

    it('counts the course after the metastatic diagnosis, and asks a person only about the progression', () => {
      const r = prior(eligible());
      expect(r.status).toBe('review');
      expect(r.confirm).toMatch(/recurrence or progression during or after this platinum doublet/);
      expect(r.explanation).toMatch(/1 courses of Platinum compounds .* any time after the first diagnosis of distant metastasis \(2025-08-20\) \(to the as-of date 2026-06-15\)/);
      expect(r.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'carboplatin', date: '2025-09-10', note: 'anchor: the first platinum dose after the metastatic diagnosis' })]));
    });

    it('does not count an adjuvant course before the metastatic diagnosis as the one regimen, and keeps a delayed cycle in its course', () => {
      expect(prior([...eligible(), ...doublet('2024-06-01', 4)]).status).toBe('review');
      // A fifth cycle seven weeks after the fourth: the same regimen.
      expect(prior([...eligible(), ...doublet('2026-01-01', 1)]).status).toBe('review');
    });

    it('counts the course after a stage IIIB/IV staging when no metastasis is coded, and asks a person only about the progression', () => {
      const locallyAdvanced = eligible().filter((r) => !JSON.stringify(r).includes('C79.51'));
      const staged = prior([...locallyAdvanced, stageGroup('3B', 'IIIB', '2025-08-25')]);
      expect(staged.status).toBe('review');
      expect(staged.confirm).toMatch(/recurrence or progression during or after this platinum doublet/);
      expect(staged.confirm).not.toMatch(/locoregional/);
      expect(staged.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ note: 'anchor: the first stage group of IIIB or IV' })]));
      // Staged after the chemotherapy: that course was not for advanced disease.
      expect(prior([...locallyAdvanced, stageGroup('4A', 'IVA', '2026-03-01')]).status).toBe('not_met');
      // Two courses after the staging: not one regimen.
      expect(prior([...locallyAdvanced, stageGroup('3C', 'IIIC', '2025-08-25'), ...doublet('2026-03-02', 2)]).status).toBe('not_met');
    });

    it('asks a person about a locoregional recurrence only below stage IIIB, and is unknown with no stage on record', () => {
      const locallyAdvanced = eligible().filter((r) => !JSON.stringify(r).includes('C79.51'));
      const early = prior([...locallyAdvanced, stageGroup('2A', 'IIA', '2024-03-01')]);
      expect(early.status).toBe('review');
      expect(early.confirm).toMatch(/no distant metastasis or stage IIIB\/IV on record: a locoregional recurrence/);
      const unstaged = prior(locallyAdvanced);
      expect(unstaged.status).toBe('unknown');
      expect(unstaged.missing?.join(' ')).toMatch(/TNM stage group/);
      expect(prior(locallyAdvanced.filter((x) => x.resourceType !== 'MedicationAdministration')).status).toBe('not_met');
    });

    it('reads a stage written in words only as an anchor a person confirms, and an undated stage group as unknown', () => {
      const locallyAdvanced = eligible().filter((r) => !JSON.stringify(r).includes('C79.51'));
      const inWords = lab('21908-9', 'Stage group.clinical Cancer', { effectiveDateTime: '2025-08-25T09:00:00Z', valueString: 'Stage IIIB' });
      const words = prior([...locallyAdvanced, inWords]);
      expect(words.status).toBe('review');
      expect(words.confirm).toMatch(/"Stage IIIB" is answered in words only: confirm it is stage IIIB/);
      const undated = { ...stageGroup('3C', 'IIIC'), effectiveDateTime: undefined, issued: undefined };
      const r = prior([...locallyAdvanced, undated]);
      expect(r.status).toBe('unknown');
    });

    it('is unknown when the metastasis has no onset date: what came after it cannot be told', () => {
      const undated = { ...diagnosis('C79.51', 'Secondary malignant neoplasm of bone'), onsetDateTime: undefined };
      const r = prior([...eligible().filter((x) => !JSON.stringify(x).includes('C79.51')), undated]);
      expect(r.status).toBe('unknown');
      expect(r.explanation).toMatch(/the first diagnosis of distant metastasis cannot be dated/);
    });
  });
  describe('stage IIIB/IV from the stage group', () => {
    const nsclc = (resources: Record<string, unknown>[]): NonNullable<ReturnType<typeof screen>['criteria'][number]> => {
      const found = screen(resources).criteria.find((c) => c.id === 'cm.inc.nsclc');
      if (!found) throw new Error('no cm.inc.nsclc');
      return found;
    };
    const noMetastasis = (): Record<string, unknown>[] => eligible().filter((r) => !JSON.stringify(r).includes('C79.51'));

    it('reads stage IIIC or IV as stage IIIB/IV with no metastasis coded: only the line of therapy is left to a person', () => {
      for (const [code, display] of [['4A', 'IVA'], ['3C', 'IIIC']] as const) {
        const r = nsclc([...noMetastasis(), stageGroup(code, display)]);
        expect(r.status).toBe('review');
        expect(r.confirm).toMatch(/second or third line/);
        expect(r.confirm).not.toMatch(/recurrent|T3 N2/);
      }
    });

    it('asks a person to check T and N for an 8th-edition IIIB, and about recurrence after multimodal therapy for a lower stage', () => {
      expect(nsclc([...noMetastasis(), stageGroup('3B', 'IIIB')]).confirm).toMatch(/T3 N2 is IIIB/);
      const lower = nsclc([...noMetastasis(), stageGroup('2A', 'IIA')]);
      expect(lower.status).toBe('review');
      expect(lower.confirm).toMatch(/recurrent or progressive disease after multimodal therapy/);
      expect(lower.confirm).not.toMatch(/T3 N2/);
    });

    it('lets distant metastases on record decide even when an earlier stage group was lower', () => {
      const r = nsclc([...eligible(), stageGroup('2A', 'IIA', '2024-01-10')]);
      expect(r.confirm).not.toMatch(/recurrent|T3 N2/);
    });

    it('does not read a stage group from another code system as stage IIIB/IV', () => {
      const local = lab('21908-9', 'Stage group.clinical Cancer', { valueCodeableConcept: { coding: [{ system: 'http://example.org/local-stage', code: 'IV', display: 'IV' }] } });
      expect(nsclc([...noMetastasis(), local]).confirm).toMatch(/recurrent or progressive/);
    });
  });
});
