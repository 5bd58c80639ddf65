import type { AuditEvent, AuditEventAgent, AuditEventEntity } from '@medplum/fhirtypes';
import type { Action } from '../access/decide';
import type { AuditRecord } from './types';

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';

/** What each action is, in FHIR's REST terms: the interaction (subtype) and the CRUDE action. */
const INTERACTION: Record<Action, { code: string; action: NonNullable<AuditEvent['action']> }> = {
  'trials.read': { code: 'read', action: 'R' },
  'patient.screen': { code: 'operation', action: 'E' },
  'patient.write-back': { code: 'create', action: 'C' },
  'report.read': { code: 'read', action: 'R' },
  'bundle.screen': { code: 'operation', action: 'E' },
  'population.read': { code: 'read', action: 'R' },
  'population.run': { code: 'operation', action: 'E' },
};

/** A FHIR reference the agent may be named by (fhirUser), else a display name. */
function whoOf(record: AuditRecord): AuditEventAgent['who'] {
  return /^(Practitioner|PractitionerRole|Patient|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/.test(record.agent.who) ? { reference: record.agent.who } : { display: record.agent.who };
}

/**
 * One audit record as an R4 AuditEvent in the shape of IHE Basic Audit Log Patterns (BALP):
 * a RESTful event, the client as the requesting agent, eligo as the observer, the patient as
 * an entity in the Patient role. It carries the FHIR id and nothing else of the patient.
 */
export function toAuditEvent(record: AuditRecord, observer: string): AuditEvent {
  const interaction = record.action ? INTERACTION[record.action] : undefined;
  const entity: AuditEventEntity[] = [];
  if (record.patient) {
    entity.push({ what: { reference: record.patient }, type: { system: ENTITY_TYPE, code: '1', display: 'Person' }, role: { system: OBJECT_ROLE, code: '1', display: 'Patient' } });
  }
  if (record.trial) entity.push({ what: { display: `trial ${record.trial}` }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' } });
  if (record.run) entity.push({ what: { display: `cohort run ${record.run}` }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' } });
  return {
    resourceType: 'AuditEvent',
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' },
    ...(interaction ? { subtype: [{ system: RESTFUL_INTERACTION, code: interaction.code }], action: interaction.action } : {}),
    recorded: record.time,
    outcome: record.outcome === 'success' ? '0' : record.status >= 500 ? '8' : '4',
    outcomeDesc: `${record.method} ${record.route} -> ${record.status}${record.reason ? `: ${record.reason}` : ''}`,
    agent: [
      {
        type: { coding: [{ system: DICOM, code: '110153', display: 'Source Role ID' }] },
        who: whoOf(record),
        ...(record.agent.clientId ? { altId: record.agent.clientId } : {}),
        requestor: true,
      },
      { type: { coding: [{ system: DICOM, code: '110152', display: 'Destination Role ID' }] }, who: { display: observer }, requestor: false },
    ],
    source: { observer: { display: observer }, type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }] },
    ...(entity.length > 0 ? { entity } : {}),
  };
}
