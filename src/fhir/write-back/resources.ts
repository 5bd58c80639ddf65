import { createHash } from 'node:crypto';
import type { TrialFile } from '../../mapping/schema';
import type { EligibilityReport } from '../../report/types';
import type { Device, DocumentReference, Extension, Provenance, Reference, ResearchStudy, ResearchSubject } from '@medplum/fhirtypes';
import type { StatusDecision } from './subject-status';
import { EXTENSIONS, SYSTEMS, reportIdentifier, subjectIdentifier, trialIdentifier } from './vocabulary';

/** The trial as a ResearchStudy; created once (conditional create), never overwritten afterwards. */
export function buildResearchStudy(trial: TrialFile): ResearchStudy {
  return {
    resourceType: 'ResearchStudy',
    identifier: [trialIdentifier(trial.id), ...trial.identifiers.map((i) => ({ system: i.system, value: i.value }))],
    title: trial.title,
    status: 'active',
    description: studyDescription(trial),
  };
}

function studyDescription(trial: TrialFile): string {
  const list = (type: 'inclusion' | 'exclusion'): string =>
    trial.criteria
      .filter((c) => c.type === type)
      .map((c, i) => `${i + 1}. ${markdownText(c.text)} (\`${c.id}\`${c.manual ? ', confirmed by a person' : ''})`)
      .join('\n');
  return [
    ...(trial.description ? [markdownText(trial.description), ''] : []),
    '**Inclusion criteria**',
    '',
    list('inclusion'),
    '',
    '**Exclusion criteria**',
    '',
    list('exclusion'),
    '',
    `Criteria definition version ${markdownText(trial.version)}, screened by eligo.`,
  ].join('\n');
}

/** Markdown may be rendered as HTML by whoever displays it: no raw tags from criterion text. */
function markdownText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SubjectInput {
  key: string;
  patientReference: string;
  studyReference: string;
  reportReference: string;
  decision: StatusDecision;
  report: EligibilityReport;
  /** The subject as on the server: everything a person added (period, arm, consent, other extensions) is kept. */
  existing?: ResearchSubject;
}

export function buildResearchSubject(input: SubjectInput): ResearchSubject {
  const { existing, decision } = input;
  const ours = new Set<string>(Object.values(EXTENSIONS));
  const extension: Extension[] = [
    ...(existing?.extension ?? []).filter((e) => !ours.has(e.url)),
    ...(decision.statusWritten === undefined ? [] : [{ url: EXTENSIONS.statusWritten, valueCode: decision.statusWritten }]),
    { url: EXTENSIONS.outcome, valueCode: input.report.outcome },
    { url: EXTENSIONS.report, valueReference: { reference: input.reportReference } },
    { url: EXTENSIONS.asOf, valueDate: input.report.asOf },
  ];
  const identifier = subjectIdentifier(input.key);
  const otherIdentifiers = (existing?.identifier ?? []).filter((i) => !(i.system === identifier.system && i.value === identifier.value));
  return {
    ...existing,
    resourceType: 'ResearchSubject',
    identifier: [identifier, ...otherIdentifiers],
    status: decision.status,
    study: existing?.study ?? { reference: input.studyReference },
    individual: existing?.individual ?? { reference: input.patientReference },
    extension,
  };
}

export interface ReportDocumentInput {
  key: string;
  report: EligibilityReport;
  html: string;
  patientReference: string;
  studyReference: string;
  trialTitle: string;
  agent: Reference<Device>;
  now: string;
}

export function buildReportDocument(input: ReportDocumentInput): DocumentReference {
  const json = JSON.stringify(input.report, null, 2);
  return {
    resourceType: 'DocumentReference',
    identifier: [reportIdentifier(input.key)],
    status: 'current',
    docStatus: 'final',
    type: {
      coding: [{ system: SYSTEMS.documentType, code: 'eligibility-report', display: 'Clinical trial eligibility report' }],
      text: 'Clinical trial eligibility report',
    },
    category: [
      {
        coding: [
          { system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' },
        ],
      },
    ],
    subject: { reference: input.patientReference },
    date: input.now,
    author: [input.agent],
    description: `Eligibility for ${input.trialTitle}: ${input.report.outcome} (as of ${input.report.asOf})`,
    content: [
      { attachment: attachment('application/json', json, 'eligibility-report.json') },
      { attachment: attachment('text/html; charset=utf-8', input.html, 'eligibility-report.html') },
    ],
    context: { related: [{ reference: input.studyReference }] },
  };
}

function attachment(contentType: string, text: string, title: string): NonNullable<DocumentReference['content'][number]['attachment']> {
  const bytes = Buffer.from(text, 'utf8');
  // R4 Attachment.hash is the base64 SHA-1 of the data.
  return { contentType, data: bytes.toString('base64'), size: bytes.length, hash: createHash('sha1').update(bytes).digest('base64'), title };
}

export interface ProvenanceInput {
  /** The screening key (trial, patient): tagged, so the Provenance is found and created conditionally. */
  key: string;
  targets: string[];
  evidence: string[];
  agent: Reference<Device>;
  onBehalfOf?: string;
  activity: 'CREATE' | 'UPDATE';
  now: string;
}

export function buildProvenance(input: ProvenanceInput): Provenance {
  return {
    resourceType: 'Provenance',
    meta: { tag: [{ system: SYSTEMS.screening, code: input.key }] },
    target: input.targets.map((reference) => ({ reference })),
    recorded: input.now,
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: input.activity }],
      text: 'clinical trial eligibility screening',
    },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'assembler' }] },
        who: input.agent,
        ...(input.onBehalfOf === undefined ? {} : { onBehalfOf: { reference: input.onBehalfOf } }),
      },
    ],
    ...(input.evidence.length ? { entity: input.evidence.map((reference) => ({ role: 'source' as const, what: { reference } })) } : {}),
  };
}

/** eligo as a logical Device reference: no Device resource to create or keep in step. */
export function serviceAgent(serviceVersion: string): Reference<Device> {
  return { type: 'Device', identifier: { system: SYSTEMS.service, value: 'eligo' }, display: `eligo ${serviceVersion}` };
}

const LITERAL = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The report's evidence references that are real FHIR references, once each. */
export function evidenceReferences(report: EligibilityReport): string[] {
  const refs = new Set<string>();
  for (const criterion of report.criteria) for (const e of criterion.evidence) if (LITERAL.test(e.reference)) refs.add(e.reference);
  return [...refs];
}
