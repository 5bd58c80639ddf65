import type { DocumentReference, Provenance, ResearchStudy, ResearchSubject, Resource } from '@medplum/fhirtypes';
import type { ServerCapabilities } from '../capabilities';
import type { FhirHttp } from '../http/fhir-http';
import { searchEntries } from '../paging';
import { readMany } from '../read-many';
import { hasIdentifier, identifierQuery, reportIdentifier, screeningTagQuery, subjectIdentifier, SYSTEMS, trialIdentifier } from './vocabulary';

/** What is on the server for one (trial, patient) before writing. */
export interface CurrentState {
  study?: ResearchStudy;
  /** The subject carrying eligo's identifier for this pair. */
  ourSubject?: ResearchSubject;
  /** A subject for the same study and patient that someone else created (eligo then writes none). */
  otherSubject?: ResearchSubject;
  report?: DocumentReference;
  /** eligo's Provenances for this pair (one expected; more are duplicates), the one to keep first. */
  provenances: Provenance[];
  /** Reports and subjects carrying eligo's identifier beyond the first: left by concurrent writers, to be removed. */
  extraReports: DocumentReference[];
  extraSubjects: ResearchSubject[];
  warnings: string[];
}

/**
 * One round trip when the server offers batch (three searches), one more for the Provenance
 * when it cannot `_revinclude` it. Subjects are searched by patient, not by eligo's identifier,
 * so a ResearchSubject a coordinator created for the same study is seen too.
 */
export async function readCurrentState(
  http: FhirHttp,
  capabilities: ServerCapabilities,
  args: { trialId: string; key: string; patientReference: string; concurrency: number },
): Promise<CurrentState> {
  const subjectParam = capabilities.searchParams('ResearchSubject')?.has('individual') === false ? 'patient' : 'individual';
  const revInclude = capabilities.canRevInclude('DocumentReference', 'Provenance:target');
  // Patient-scoped tokens (Epic, Oracle) refuse DocumentReference searches without the patient; the identifier alone is unique.
  const reportPatient = capabilities.searchParams('DocumentReference')?.has('patient') ? `&patient=${encodeURIComponent(args.patientReference)}` : '';
  const urls = [
    `ResearchStudy?${identifierQuery(trialIdentifier(args.trialId))}`,
    `ResearchSubject?${subjectParam}=${encodeURIComponent(args.patientReference)}&_count=100`,
    `DocumentReference?${identifierQuery(reportIdentifier(args.key))}${reportPatient}${revInclude ? '&_revinclude=Provenance:target' : ''}`,
    `Provenance?${screeningTagQuery(args.key)}&_count=100`,
  ];
  const [studies, subjects, reports, tagged] = await readAll(http, capabilities, urls, args.concurrency);
  const warnings: string[] = [];

  const studyMatches = (studies ?? []).filter((r): r is ResearchStudy => r.resourceType === 'ResearchStudy');
  const study = studyMatches[0];
  if (studyMatches.length > 1) warnings.push(`${studyMatches.length} ResearchStudy resources carry ${SYSTEMS.trial}|${args.trialId}; using ResearchStudy/${study?.id ?? ''}`);

  const allSubjects = (subjects ?? []).filter((r): r is ResearchSubject => r.resourceType === 'ResearchSubject');
  const ours = oldestFirst(allSubjects.filter((s) => hasIdentifier(s, subjectIdentifier(args.key))));
  if (ours.length > 1) warnings.push(`${ours.length} ResearchSubjects carry eligo's identifier for this patient (concurrent writers); keeping ResearchSubject/${ours[0]?.id ?? ''} and removing the others`);
  const studyKey = study?.id ? `ResearchStudy/${study.id}` : undefined;
  const otherSubject = studyKey ? allSubjects.find((s) => !ours.includes(s) && referenceEndsWith(s.study?.reference, studyKey)) : undefined;

  const reportMatches = oldestFirst((reports ?? []).filter((r): r is DocumentReference => r.resourceType === 'DocumentReference' && hasIdentifier(r, reportIdentifier(args.key))));
  const report = reportMatches[0];
  if (reportMatches.length > 1) warnings.push(`${reportMatches.length} reports carry eligo's identifier for this patient (concurrent writers); keeping DocumentReference/${report?.id ?? ''} and removing the others`);
  let provenances = (reports ?? []).filter((r): r is Provenance => r.resourceType === 'Provenance');
  if (report?.id && !revInclude) {
    const [found] = await readAll(http, capabilities, [`Provenance?target=${encodeURIComponent(`DocumentReference/${report.id}`)}&_count=100`], 1);
    provenances = (found ?? []).filter((r): r is Provenance => r.resourceType === 'Provenance');
  }
  const reportKey = report?.id ? `DocumentReference/${report.id}` : undefined;
  provenances = provenances.filter(
    (p) =>
      reportKey !== undefined &&
      p.target.some((t) => referenceEndsWith(t.reference, reportKey)) &&
      p.agent.some((a) => a.who.identifier?.system === SYSTEMS.service),
  );
  // Tagged ones count whatever they target: a racing writer's Provenance may point at a report since removed.
  const byId = new Map(provenances.map((p) => [p.id, p]));
  for (const p of (tagged ?? []).filter((r): r is Provenance => r.resourceType === 'Provenance')) byId.set(p.id, p);
  provenances = oldestFirst([...byId.values()]);

  return {
    ...(study ? { study } : {}),
    ...(ours[0] ? { ourSubject: ours[0] } : {}),
    ...(otherSubject ? { otherSubject } : {}),
    ...(report ? { report } : {}),
    provenances,
    extraReports: reportMatches.slice(1),
    extraSubjects: ours.slice(1),
    warnings,
  };
}

async function readAll(http: FhirHttp, capabilities: ServerCapabilities, urls: string[], concurrency: number): Promise<Resource[][]> {
  const reads = await readMany(http, capabilities, urls, concurrency);
  return Promise.all(
    reads.map(async (read) => (await searchEntries(http, read)).flatMap((e) => (e.resource ? [e.resource] : []))),
  );
}

/**
 * The one to keep comes first, the same for every writer: the oldest (first stored), then the
 * smallest id. Two processes that raced thus keep the same resource and remove the same others.
 */
function oldestFirst<T extends Resource>(resources: T[]): T[] {
  return [...resources].sort((a, b) => (a.meta?.lastUpdated ?? '').localeCompare(b.meta?.lastUpdated ?? '') || (a.id ?? '').localeCompare(b.id ?? ''));
}

/** "ResearchStudy/1" matches "ResearchStudy/1", "http://x/fhir/ResearchStudy/1" and ".../_history/2". */
export function referenceEndsWith(reference: string | undefined, key: string): boolean {
  if (!reference) return false;
  const withoutVersion = reference.replace(/\/_history\/[^/]+$/, '');
  return withoutVersion === key || withoutVersion.endsWith(`/${key}`);
}
