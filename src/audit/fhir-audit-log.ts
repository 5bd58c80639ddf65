import type { FhirHttp } from '../fhir/http/fhir-http';
import { sendOk } from '../fhir/http/fhir-http';
import type { Logger } from '../log';
import { toAuditEvent } from './fhir-audit-event';
import type { AuditLog, AuditRecord } from './types';

/**
 * Audit records as AuditEvents on the FHIR server (ELIGO_AUDIT_FHIR=true), beside the file.
 * Sent one at a time in order, never delaying an answer; a server that refuses or is down is
 * logged (status only) and the file trail still has the record.
 */
export class FhirAuditLog implements AuditLog {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly http: FhirHttp,
    private readonly observer: string,
    private readonly log?: Logger,
  ) {}

  record(entry: AuditRecord): void {
    const event = toAuditEvent(entry, this.observer);
    this.tail = this.tail
      .then(async () => {
        await sendOk(this.http, { method: 'POST', url: 'AuditEvent', body: event, idempotent: false, label: 'AuditEvent create' });
      })
      .catch((error: unknown) => {
        this.log?.warn({ code: (error as { code?: unknown }).code }, 'AuditEvent not written to the FHIR server');
      });
  }

  flush(): Promise<void> {
    return this.tail;
  }
}
