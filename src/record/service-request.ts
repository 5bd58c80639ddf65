import { ignore, unreadable, warn, type RecordBuilder } from './builder';
import { parseFhirDateTime } from './fhir-date';
import { concept, list, obj, str } from './read';
import { judgeStatus, PLANNING_INTENTS, SERVICE_REQUEST_STATUS } from './statuses';
import type { PlannedProcedureFact } from './types';

/** Why a standing request is only tentatively a plan, by status. */
const TENTATIVE_STATUS: Readonly<Record<string, string>> = {
  draft: 'the request is a draft',
  'on-hold': 'the request is on hold',
  unknown: 'the request\'s status is unknown',
};

/**
 * A ServiceRequest for a procedure becomes a planned procedure: what is asked for, when, and how
 * firm the plan is. One that asks for it not to be done (doNotPerform), or whose intent is an
 * option of a group, plans nothing.
 */
export function addServiceRequest(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const code = concept(resource.code);
  const status = str(resource.status);
  const verdict = judgeStatus(SERVICE_REQUEST_STATUS, status);
  if (!verdict.counts) {
    ignore(builder, reference, 'ServiceRequest', verdict.reason, code);
    return;
  }
  const intent = str(resource.intent) ?? '';
  if (!PLANNING_INTENTS.has(intent)) {
    ignore(builder, reference, 'ServiceRequest', `intent ${intent}: not a plan`, code);
    return;
  }
  if (resource.doNotPerform === true) {
    ignore(builder, reference, 'ServiceRequest', 'doNotPerform: a request that it not be done', code);
    return;
  }
  if (!code) {
    warn(builder, reference, 'skipped: the ServiceRequest has no code or code text');
    return;
  }
  const events = list(obj(resource.occurrenceTiming)?.event);
  const badEvent = events.find((e) => typeof e !== 'string' || parseFhirDateTime(e) === undefined);
  if (badEvent !== undefined) {
    unreadable(builder, 'ServiceRequest', reference, `occurrenceTiming.event "${String(badEvent)}" is not a valid FHIR date`, code);
    return;
  }
  const fact: PlannedProcedureFact = { reference, source: 'ServiceRequest', code, status: status as string, intent };
  const date = str(resource.occurrenceDateTime) ?? str(obj(resource.occurrencePeriod)?.start) ?? earliest(events as string[]);
  if (date !== undefined) fact.date = date;
  const authoredOn = str(resource.authoredOn);
  if (authoredOn !== undefined) fact.authoredOn = authoredOn;
  const tentative = TENTATIVE_STATUS[fact.status] ?? (intent === 'proposal' ? 'it is a proposal, not an order or plan' : undefined);
  if (tentative !== undefined) fact.tentative = tentative;
  builder.record.plannedProcedures.push(fact);
}

function earliest(events: string[]): string | undefined {
  return [...events].sort((a, b) => (parseFhirDateTime(a)?.instant ?? 0) - (parseFhirDateTime(b)?.instant ?? 0))[0];
}
