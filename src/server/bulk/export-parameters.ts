import { Operator } from '@medplum/core';
import type { Filter } from '@medplum/core';
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequestError, notSupportedError } from '../outcomes';
import { referenceKey } from '../store/references';
import { rawQuery } from '../http/preconditions';
import { parseSearchQuery, valuesOf } from '../search/parse-query';
import type { RawQuery } from '../search/parse-query';
import { defaultExportTypes, isExportableType } from './compartment';

/** What a kick-off asked for, checked: every problem is a 400 before a job starts. */
export interface ExportParameters {
  /** Types to write, in a stable order. */
  types: readonly string[];
  /** Per type, alternatives (OR) of filter lists (AND), from `_typeFilter`. */
  typeFilters: ReadonlyMap<string, readonly (readonly Filter[])[]>;
  /** `_since` in epoch milliseconds: only resources updated after it. */
  sinceMs?: number;
  /** Patient ids from the `patient` parameter: the export is narrowed to them. */
  patients?: readonly string[];
}

const OUTPUT_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const KNOWN = new Set(['_type', '_typeFilter', '_since', '_outputFormat', 'patient']);
/** Search result parameters make no sense inside a _typeFilter; answering them silently would be wrong. */
const NOT_IN_TYPE_FILTER = new Set(['_count', '_offset', '_sort', '_total', '_include', '_revinclude', '_summary', '_elements', '_format', '_pretty']);

/**
 * Reads the kick-off parameters from the query (GET) and the Parameters body (POST). Anything not
 * understood is refused (the IG allows that unless the client sent `Prefer: handling=lenient`,
 * and an export silently ignoring a filter would hand over data nobody asked for).
 */
export function parseExportParameters(query: RawQuery, body: unknown): ExportParameters {
  const values = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    if (!KNOWN.has(name)) throw notSupportedError(`the $export parameter "${name}" is not supported`);
    values.set(name, [...(values.get(name) ?? []), value]);
  };
  for (const [name, raw] of Object.entries(query)) {
    for (const value of valuesOf(raw)) add(name, value);
  }
  for (const parameter of parametersOf(body)) add(parameter.name ?? '', parameterValue(parameter));

  const format = values.get('_outputFormat') ?? [];
  for (const f of format) {
    if (!OUTPUT_FORMATS.has(f)) throw notSupportedError(`_outputFormat "${f}" is not supported; use application/fhir+ndjson`);
  }
  const types = exportTypes(values.get('_type'));
  const typeFilters = parseTypeFilters(values.get('_typeFilter') ?? [], types);
  const since = values.get('_since');
  const result: ExportParameters = { types, typeFilters };
  if (since !== undefined) result.sinceMs = parseSince(since);
  const patients = values.get('patient');
  if (patients !== undefined) result.patients = patients.map(patientId);
  return result;
}

function parametersOf(body: unknown): ParametersParameter[] {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) return [];
  const parameters = body as Parameters;
  if (parameters.resourceType !== 'Parameters') throw badRequestError('the $export body must be a Parameters resource');
  return parameters.parameter ?? [];
}

function parameterValue(parameter: ParametersParameter): string {
  const value =
    parameter.valueString ?? parameter.valueInstant ?? parameter.valueDateTime ?? parameter.valueCode ?? parameter.valueUri ?? parameter.valueReference?.reference;
  if (value === undefined) throw badRequestError(`the $export parameter "${parameter.name ?? ''}" has no value`);
  return value;
}

function exportTypes(requested: readonly string[] | undefined): string[] {
  if (requested === undefined) return defaultExportTypes();
  const types = new Set<string>();
  for (const list of requested) {
    for (const type of list.split(',').map((t) => t.trim())) {
      if (type === '') continue;
      if (!isExportableType(type)) {
        throw notSupportedError(`_type ${type} cannot be exported: Patient and Group exports hold Patient compartment resources and Medication`);
      }
      types.add(type);
    }
  }
  if (types.size === 0) throw badRequestError('_type names no resource type');
  return [...types].sort();
}

function parseTypeFilters(filters: readonly string[], types: readonly string[]): Map<string, Filter[][]> {
  const out = new Map<string, Filter[][]>();
  for (const text of filters) {
    const question = text.indexOf('?');
    if (question <= 0) throw badRequestError(`_typeFilter "${text}" is not of the form Type?param=value`);
    const type = text.slice(0, question);
    if (!types.includes(type)) throw badRequestError(`_typeFilter names ${type}, which this export does not include (_type)`);
    const raw = rawQuery(text.slice(question + 1));
    for (const name of Object.keys(raw)) {
      if (NOT_IN_TYPE_FILTER.has(name.split(':')[0] ?? name)) throw notSupportedError(`_typeFilter cannot use ${name}`);
    }
    const filtersOfOne = parseSearchQuery(type, raw).filters ?? [];
    if (filtersOfOne.length === 0) throw badRequestError(`_typeFilter "${text}" has no search parameter`);
    out.set(type, [...(out.get(type) ?? []), filtersOfOne]);
  }
  return out;
}

function parseSince(values: readonly string[]): number {
  if (values.length > 1) throw badRequestError('_since is given more than once');
  const text = values[0] ?? '';
  const ms = Date.parse(text);
  if (!INSTANT.test(text) || Number.isNaN(ms)) throw badRequestError(`_since "${text}" is not a FHIR instant (e.g. 2026-01-31T12:00:00Z)`, '_since');
  return ms;
}

function patientId(reference: string): string {
  const key = referenceKey(reference.includes('/') ? reference : `Patient/${reference}`);
  if (!key?.startsWith('Patient/')) throw badRequestError(`patient "${reference}" is not a Patient reference`, 'patient');
  return key.slice('Patient/'.length);
}

/** A compartment membership check for one parameter, as a search filter. */
export function referenceFilter(code: string, patient: string): Filter {
  return { code, operator: Operator.EQUALS, value: `Patient/${patient}` };
}
