import { randomBytes } from 'node:crypto';

export interface LaunchContext {
  patient: string;
  /** The EHR user, as a FHIR reference (fhirUser). */
  practitioner: string;
  /** EHR launches run inside the EHR's frame, which shows the patient already. */
  needPatientBanner: boolean;
}

const LAUNCH_TTL_MS = 10 * 60 * 1000;

/**
 * The sandbox EHR's memory of launches: an opaque launch id bound to a patient when the
 * launcher starts an app, then the same context bound to the grant the user approves, so the
 * token endpoint can answer with `patient` (and refreshes keep it).
 */
export class LaunchContexts {
  private readonly launches = new Map<string, { context: LaunchContext; expiresAt: number }>();
  private readonly grants = new Map<string, LaunchContext>();

  createLaunch(context: LaunchContext): string {
    const id = randomBytes(18).toString('base64url');
    this.launches.set(id, { context, expiresAt: Date.now() + LAUNCH_TTL_MS });
    return id;
  }

  launch(id: string | undefined): LaunchContext | undefined {
    if (id === undefined) return undefined;
    const entry = this.launches.get(id);
    if (!entry || entry.expiresAt < Date.now()) {
      this.launches.delete(id);
      return undefined;
    }
    return entry.context;
  }

  bindGrant(grantId: string, context: LaunchContext): void {
    this.grants.set(grantId, context);
  }

  forGrant(grantId: string | undefined): LaunchContext | undefined {
    return grantId === undefined ? undefined : this.grants.get(grantId);
  }
}
