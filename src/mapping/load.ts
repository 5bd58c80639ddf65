import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { closest, fieldNames, issueMessage } from './issue-text';
import { EligoError } from '../errors/eligo-error';
import { terminologyFileSchema, trialFileSchema, type TerminologyFile, type TrialFile } from './schema';

/** The mappings shipped with the service; ELIGO_MAPPINGS_DIR or an argument points elsewhere. */
export const DEFAULT_MAPPINGS_DIR = path.resolve(__dirname, '..', '..', 'mappings');

export interface MappingIssue {
  file: string;
  /** Path inside the file, e.g. "criteria[3].rule.of[0].analyte". */
  path: string;
  line?: number;
  /** 1-based column, where the problem's position is known (YAML syntax, schema errors). */
  column?: number;
  message: string;
}

export interface LoadedTrial {
  file: string;
  def: TrialFile;
  /** Locate a path inside the file, for errors found after parsing (unknown value set names). */
  locate: (pathParts: (string | number)[]) => number | undefined;
}

/** Line and 1-based column of a path inside one file. */
export type Locator = (pathParts: (string | number)[]) => { line: number; col: number } | undefined;

export interface LoadedMappings {
  dir: string;
  /**
   * Where each path of each file read lies, so every problem found after parsing (unknown names,
   * units, cycles) is reported at its line and column. Absent for mappings served from the cache,
   * which were checked before they were cached.
   */
  positions?: ReadonlyMap<string, Locator>;
  terminology: TerminologyFile;
  /** Where each terminology key was defined, for error messages. */
  terminologySources: Map<string, string>;
  trials: LoadedTrial[];
  issues: MappingIssue[];
  /**
   * "valueSets.heart_failure" and the like: keys written in a terminology file that failed its
   * checks. References to them are not reported as unknown (the file's own problem is the one to fix,
   * and a typo there must not bury itself under every trial that uses the file).
   */
  unreadKeys?: ReadonlySet<string>;
}

const MAPPING_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function listFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((name) => MAPPING_EXTENSIONS.has(path.extname(name)))
    .sort()
    .map((name) => path.join(dir, name));
}

interface ParsedFile<T> {
  value?: T;
  /** The document as plain data when it is valid YAML (also when the schema refused it). */
  raw?: unknown;
  issues: MappingIssue[];
  locate: (pathParts: (string | number)[]) => number | undefined;
  position: Locator;
}

/** Parse YAML (JSON is YAML) keeping line positions, then validate with the schema. */
export function parseMappingFile<T>(file: string, text: string, schema: z.ZodType<T, unknown>): ParsedFile<T> {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false });
  const position: Locator = (pathParts) => {
    for (let n = pathParts.length; n >= 0; n--) {
      const node = doc.getIn(pathParts.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]);
    }
    return undefined;
  };
  const locate = (pathParts: (string | number)[]): number | undefined => position(pathParts)?.line;
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => ({
        file,
        path: '',
        // prettyErrors is off (no source excerpt in messages): the position comes from the offset.
        line: lineCounter.linePos(e.pos[0]).line,
        column: lineCounter.linePos(e.pos[0]).col,
        message: `not valid YAML: ${e.message.split('\n')[0] ?? e.message}`,
      })),
      locate,
      position,
    };
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { value: parsed.data, raw, issues: [], locate, position };
  const issues = withoutMisspeltMissing(parsed.error.issues, knownFields(schema)).map((issue) => {
    const parts = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const at = position(parts);
    return { file, path: formatPath(parts), line: at?.line, ...(at ? { column: at.col } : {}), message: issueMessage(issue, knownFields(schema), (path) => valueAt(raw, path)) };
  });
  return { issues, raw, locate, position };
}

/**
 * `valueSet:` written for `valueSets:` is one mistake, not two: the "required" issue of the field
 * an unknown key of the same object most likely meant is dropped (the unknown key's message
 * already says "did you mean").
 */
function withoutMisspeltMissing(issues: z.core.$ZodIssue[], known: Set<string>): z.core.$ZodIssue[] {
  const at = (path: PropertyKey[]): string => path.map(String).join('\u0000');
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const field = closest(key, known);
      if (field) meant.add(at([...issue.path, field]));
    }
  }
  return issues.filter((issue) => !(issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined && meant.has(at(issue.path))));
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node = root;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return node;
}

const fieldsBySchema = new WeakMap<z.ZodType, Set<string>>();
function knownFields(schema: z.ZodType): Set<string> {
  let names = fieldsBySchema.get(schema);
  if (!names) {
    names = fieldNames(schema);
    fieldsBySchema.set(schema, names);
  }
  return names;
}

export function formatPath(parts: (string | number)[]): string {
  let out = '';
  for (const part of parts) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out || '(top level)';
}

/** "criteria[3].rule.of[0].analyte" back to its parts (formatPath's inverse). */
export function parsePath(text: string): (string | number)[] {
  if (text === '(top level)') return [];
  return [...text.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : (m[2] as string)));
}

/**
 * Every issue at the line and column of its path in its file: the checks after parsing name a
 * path, and the position is looked up here once for all of them, so no check can forget it.
 */
export function placeIssues(issues: MappingIssue[], mappings: Pick<LoadedMappings, 'positions'>): MappingIssue[] {
  return issues.map((issue) => {
    if (issue.column !== undefined) return issue;
    const at = issue.path === '' ? undefined : mappings.positions?.get(issue.file)?.(parsePath(issue.path));
    return at ? { ...issue, line: at.line, column: at.col } : issue;
  });
}

export function formatIssue(issue: MappingIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** Read every mapping file under `dir`; problems are collected, not thrown, so `validate` lists them all. */
export function readMappings(dir: string = process.env.ELIGO_MAPPINGS_DIR ?? DEFAULT_MAPPINGS_DIR): LoadedMappings {
  if (!existsSync(dir)) {
    throw new EligoError('ERR_MAPPING_NOT_FOUND', `mappings folder not found: ${dir}`, { where: dir });
  }
  const issues: MappingIssue[] = [];
  const positions = new Map<string, Locator>();
  const terminology: TerminologyFile = { analytes: {}, ingredients: {}, medicationClasses: {}, valueSets: {} };
  const terminologySources = new Map<string, string>();
  const unreadKeys = new Set<string>();
  for (const file of listFiles(path.join(dir, 'terminology'))) {
    const parsed = parseMappingFile(file, readFileSync(file, 'utf8'), terminologyFileSchema);
    positions.set(file, parsed.position);
    issues.push(...parsed.issues);
    if (!parsed.value) {
      for (const key of sectionKeys(parsed.raw)) unreadKeys.add(key);
      continue;
    }
    for (const section of TERMINOLOGY_SECTIONS) {
      for (const [key, value] of Object.entries(parsed.value[section])) {
        const earlier = terminologySources.get(`${section}.${key}`);
        if (earlier !== undefined) {
          issues.push({
            file,
            path: `${section}.${key}`,
            line: parsed.locate([section, key]),
            message: `already defined in ${path.basename(earlier)}; keys must be unique across terminology files`,
          });
          continue;
        }
        terminologySources.set(`${section}.${key}`, file);
        (terminology[section] as Record<string, unknown>)[key] = value;
      }
    }
  }
  const trials: LoadedTrial[] = [];
  for (const file of listFiles(path.join(dir, 'trials'))) {
    const parsed = parseMappingFile(file, readFileSync(file, 'utf8'), trialFileSchema);
    positions.set(file, parsed.position);
    issues.push(...parsed.issues);
    if (!parsed.value) continue;
    const twin = trials.find((t) => t.def.id === parsed.value?.id);
    if (twin) {
      issues.push({ file, path: 'id', line: parsed.locate(['id']), message: `trial id "${parsed.value.id}" is also used by ${twin.file}` });
      continue;
    }
    trials.push({ file, def: parsed.value, locate: parsed.locate });
  }
  return { dir, positions, terminology, terminologySources, trials, issues, unreadKeys };
}

const TERMINOLOGY_SECTIONS = ['analytes', 'ingredients', 'medicationClasses', 'valueSets'] as const;

/** "valueSets.x" for every key under a terminology section of a document the schema refused. */
function sectionKeys(raw: unknown): string[] {
  if (raw === null || typeof raw !== 'object') return [];
  return TERMINOLOGY_SECTIONS.flatMap((section) => {
    const entries = (raw as Record<string, unknown>)[section];
    return entries !== null && typeof entries === 'object' ? Object.keys(entries).map((key) => `${section}.${key}`) : [];
  });
}
