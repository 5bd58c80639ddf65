import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileTrial, loadCatalog, type Catalog, type CompiledTrial } from './compile';
import type { LoadedMappings, LoadedTrial } from './load';
import type { TerminologyFile, TrialFile } from './schema';
import { Terminology } from './terminology';

/*
 * Parsing the mapping YAML with line positions and validating it takes most of a CLI run
 * (a quarter of a second for two trials). The validated, parsed mappings are plain JSON, so
 * they are kept on disk under a key of everything that could change them: the mapping files'
 * names and bytes, the folder, and the code that parses and checks them. Compiled objects
 * (matchers, Maps) are rebuilt from that JSON on each run; that part is cheap.
 */

/**
 * load.ts's DEFAULT_MAPPINGS_DIR (a test holds them equal), not imported: load.ts brings the
 * YAML parser and zod, which a run served from the cache does not otherwise need.
 */
export const BUNDLED_MAPPINGS_DIR = path.resolve(__dirname, '..', '..', 'mappings');

/** Bumped when the cached shape changes, so an older file is never read as a newer one. */
const FORMAT = 1;

/** Same folders and extensions as readMappings (load.ts): a file it would read is in the key. */
const MAPPING_FOLDERS = ['terminology', 'trials'] as const;
const MAPPING_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The modules whose logic decides what the parsed mappings are; a change to any of them is a new key. */
// Everything that decides whether mappings are valid: a change to any re-checks them.
const PARSING_MODULES = ['schema', 'load', 'compile', 'catalog-cache', 'unit-checks', 'static-checks', 'issue-text', 'terminology', 'systems', '../units/convert'];

interface CachedMappings {
  format: number;
  dir: string;
  terminology: TerminologyFile;
  terminologySources: [string, string][];
  trials: { file: string; def: TrialFile }[];
}

export interface CatalogCacheOptions {
  /** Where cache files go; "off" (or "") reads the mappings every time. Default ELIGO_CACHE_DIR, else <tmpdir>/eligo-cache. */
  cacheDir?: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ELIGO_CACHE_DIR ?? path.join(tmpdir(), 'eligo-cache');
}

/**
 * loadCatalog, through the on-disk cache when it can: the same catalog, the same errors (an
 * invalid mapping is never cached, so it is re-read and reported every time). A cache folder
 * that cannot be made, read or written is skipped without a word: the cache only saves time.
 */
export function loadCatalogCached(dir?: string, options: CatalogCacheOptions = {}): Catalog {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const mappingsDir = path.resolve(dir ?? process.env.ELIGO_MAPPINGS_DIR ?? BUNDLED_MAPPINGS_DIR);
  if (cacheDir === '' || cacheDir === 'off' || !existsSync(mappingsDir)) return loadCatalog(dir);
  const key = cacheKey(mappingsDir);
  if (key === undefined) return loadCatalog(dir);
  const file = path.join(cacheDir, `catalog-${key}.json`);
  const cached = readCached(file, mappingsDir);
  if (cached) return catalogOf(cached);
  const catalog = loadCatalog(dir);
  writeCached(cacheDir, file, catalog.mappings);
  return catalog;
}

function cacheKey(mappingsDir: string): string | undefined {
  try {
    const hash = createHash('sha256');
    hash.update(`eligo catalog ${FORMAT}\0${mappingsDir}\0`);
    const ext = path.extname(__filename);
    for (const name of PARSING_MODULES) hashFile(hash, path.join(__dirname, `${name}${ext}`));
    for (const folder of MAPPING_FOLDERS) {
      const where = path.join(mappingsDir, folder);
      if (!existsSync(where) || !statSync(where).isDirectory()) continue;
      for (const name of readdirSync(where).filter((n) => MAPPING_EXTENSIONS.has(path.extname(n))).sort()) hashFile(hash, path.join(where, name));
    }
    return hash.digest('hex');
  } catch {
    // A file that cannot be read now is one loadCatalog reports properly.
    return undefined;
  }
}

function hashFile(hash: ReturnType<typeof createHash>, file: string): void {
  const bytes = readFileSync(file);
  // Name and length first, so moving bytes from one file to the next is a different key.
  hash.update(`${file}\0${bytes.length}\0`);
  hash.update(bytes);
}

/**
 * The default folder is in the shared temporary directory: a cache file decides which criteria
 * a patient is screened by, so one is read only when it and its folder belong to this user and
 * no one else may write them.
 */
function trusted(file: string): boolean {
  if (typeof process.getuid !== 'function') return true;
  const uid = process.getuid();
  for (const target of [path.dirname(file), file]) {
    const stat = statSync(target);
    if (stat.uid !== uid || (stat.mode & 0o022) !== 0) return false;
  }
  return true;
}

function readCached(file: string, mappingsDir: string): CachedMappings | undefined {
  try {
    if (!existsSync(file) || !trusted(file)) return undefined;
    const value = JSON.parse(readFileSync(file, 'utf8')) as CachedMappings;
    if (value.format !== FORMAT || value.dir !== mappingsDir || !Array.isArray(value.trials) || !Array.isArray(value.terminologySources)) return undefined;
    return value;
  } catch {
    // Torn or foreign: read the mappings, and the write that follows replaces it.
    return undefined;
  }
}

function writeCached(cacheDir: string, file: string, mappings: LoadedMappings): void {
  const value: CachedMappings = {
    format: FORMAT,
    dir: path.resolve(mappings.dir),
    terminology: mappings.terminology,
    terminologySources: [...mappings.terminologySources],
    trials: mappings.trials.map((t) => ({ file: t.file, def: t.def })),
  };
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 });
    // Renamed into place, so a reader in parallel sees the whole file or none.
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Nothing was written.
    }
  }
}

/** The catalog loadCatalog would build from the same files: the mappings were checked before they were cached. */
function catalogOf(cached: CachedMappings): Catalog {
  // Locations serve error messages only, and a cached catalog had none.
  const noLine = (): undefined => undefined;
  const loadedTrials: LoadedTrial[] = cached.trials.map((t) => ({ file: t.file, def: t.def, locate: noLine }));
  const mappings: LoadedMappings = {
    dir: cached.dir,
    terminology: cached.terminology,
    terminologySources: new Map(cached.terminologySources),
    trials: loadedTrials,
    issues: [],
  };
  const terminology = new Terminology(mappings.terminology);
  const trials = new Map<string, CompiledTrial>();
  for (const trial of loadedTrials) trials.set(trial.def.id, compileTrial(trial, terminology));
  return { terminology, trials, mappings };
}
