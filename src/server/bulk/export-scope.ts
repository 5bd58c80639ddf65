import type { Group, OperationOutcome } from '@medplum/fhirtypes';
import type { ExportRequest } from '../../bulk/export-request';
import type { ResourceStore } from '../store/resource-store';
import { referenceKey } from '../store/references';
import { errorLine } from './bulk-outcomes';
import { versionAt } from './point-in-time';

/** Whose data an export holds: the level a client asks for. */
export type ExportScope = ExportRequest['level'];

export interface ScopePatients {
  ids: string[];
  /** Members that could not be exported (an unknown Patient), for the manifest's error files. */
  problems: OperationOutcome[];
}

const MAX_GROUP_DEPTH = 5;

/**
 * The patients an export covers as of its transactionTime: every Patient for a Patient-level
 * export; for a Group, its active members (not `inactive`, membership period not ended), nested
 * Groups followed. Limitation: a Patient deleted after the transactionTime is not listed (the
 * store lists live ids only), so it is missing from a Patient-level export that started before
 * the deletion.
 */
export function scopePatients(store: ResourceStore, scope: ExportScope, atMs: number, only: readonly string[] | undefined): ScopePatients {
  const problems: OperationOutcome[] = [];
  let ids: string[];
  if (scope.kind === 'patient') {
    ids = [...store.liveIds('Patient')].filter((id) => versionAt(store, 'Patient', id, atMs) !== undefined);
  } else {
    const found = new Set<string>();
    collectMembers(store, scope.groupId, atMs, found, new Set(), 0);
    ids = [];
    for (const id of found) {
      if (versionAt(store, 'Patient', id, atMs)) ids.push(id);
      else problems.push(errorLine('not-found', `Group/${scope.groupId} lists Patient/${id}, which is not on this server`));
    }
  }
  if (only !== undefined) {
    const listed = new Set(ids);
    for (const id of only) {
      if (!listed.has(id)) problems.push(errorLine('not-found', `patient Patient/${id} is not ${scope.kind === 'group' ? `a member of Group/${scope.groupId}` : 'on this server'}`));
    }
    const wanted = new Set(only);
    ids = ids.filter((id) => wanted.has(id));
  }
  return { ids, problems };
}

function collectMembers(store: ResourceStore, groupId: string, atMs: number, into: Set<string>, seen: Set<string>, depth: number): void {
  if (seen.has(groupId) || depth > MAX_GROUP_DEPTH) return;
  seen.add(groupId);
  const group = versionAt(store, 'Group', groupId, atMs)?.resource as Group | undefined;
  for (const member of group?.member ?? []) {
    if (member.inactive) continue;
    const end = member.period?.end;
    if (end !== undefined && Date.parse(end) < atMs) continue;
    const key = member.entity.reference ? referenceKey(member.entity.reference) : undefined;
    if (key?.startsWith('Patient/')) into.add(key.slice('Patient/'.length));
    else if (key?.startsWith('Group/')) collectMembers(store, key.slice('Group/'.length), atMs, into, seen, depth + 1);
  }
}
