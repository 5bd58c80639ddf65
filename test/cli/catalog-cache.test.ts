import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as load from '../../src/mapping/load';
import { loadCatalog } from '../../src/mapping/compile';
import { BUNDLED_MAPPINGS_DIR, loadCatalogCached } from '../../src/mapping/catalog-cache';
import { screenResources } from '../../src/usecases/screen';
import { cli } from './run';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples');
const OPTIONS = { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' };

let work: string;
let mappings: string;
let cacheDir: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'eligo-catalog-cache-'));
  mappings = path.join(work, 'mappings');
  cacheDir = path.join(work, 'cache');
  cpSync(path.join(ROOT, 'mappings'), mappings, { recursive: true });
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(work, { recursive: true, force: true });
});

const sleFile = (): string => path.join(mappings, 'trials', 'sle-cart.yaml');
const bundle = (name: string): unknown => JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8'));
const reportsOf = (catalog: ReturnType<typeof loadCatalog>): unknown[] =>
  [...catalog.trials.values()].flatMap((trial) => ['sle-eligible', 'ssc-eligible', 'sle-potential-candidate'].map((name) => screenResources(trial, (bundle(name) as { entry: { resource: never }[] }).entry.map((e) => e.resource), OPTIONS)));

describe('the compiled-catalog cache', () => {
  it('reads the mapping files once, then screens from the cache exactly as from the files', () => {
    const read = jest.spyOn(load, 'readMappings');
    const first = loadCatalogCached(mappings, { cacheDir });
    expect(read).toHaveBeenCalledTimes(1);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const second = loadCatalogCached(mappings, { cacheDir });
    expect(read).toHaveBeenCalledTimes(1);
    expect([...second.trials.keys()]).toEqual([...first.trials.keys()]);
    expect(reportsOf(second)).toEqual(reportsOf(loadCatalog(mappings)));
  });

  it('sees a changed mapping file: the result reflects the change', () => {
    expect(loadCatalogCached(mappings, { cacheDir }).trials.get('sle-cart')?.def.title).not.toBe('Changed title');
    const text = readFileSync(sleFile(), 'utf8');
    writeFileSync(sleFile(), text.replace(/^title: .*$/m, 'title: Changed title'));
    expect(loadCatalogCached(mappings, { cacheDir }).trials.get('sle-cart')?.def.title).toBe('Changed title');
    // And back: the first cache file serves again.
    writeFileSync(sleFile(), text);
    expect(loadCatalogCached(mappings, { cacheDir }).trials.get('sle-cart')?.def.title).not.toBe('Changed title');
  });

  it('sees a new trial file, and never caches invalid mappings (the error is reported every time)', () => {
    loadCatalogCached(mappings, { cacheDir });
    const ssc = readFileSync(path.join(mappings, 'trials', 'ssc-cart.yaml'), 'utf8');
    writeFileSync(path.join(mappings, 'trials', 'copy.yaml'), ssc.replace(/^id: ssc-cart$/m, 'id: ssc-copy'));
    expect([...loadCatalogCached(mappings, { cacheDir }).trials.keys()]).toContain('ssc-copy');
    writeFileSync(path.join(mappings, 'trials', 'broken.yaml'), 'id: broken\ncriteria: 3\n');
    expect(() => loadCatalogCached(mappings, { cacheDir })).toThrow(expect.objectContaining({ code: 'ERR_MAPPING_INVALID' }));
    expect(() => loadCatalogCached(mappings, { cacheDir })).toThrow(/broken\.yaml/);
  });

  it('reads the files when the cache file is torn or not this user\'s alone to write', () => {
    loadCatalogCached(mappings, { cacheDir });
    const [file] = readdirSync(cacheDir);
    const cached = path.join(cacheDir, file as string);
    const read = jest.spyOn(load, 'readMappings');
    writeFileSync(cached, '{"format":1,"dir":');
    expect(loadCatalogCached(mappings, { cacheDir }).trials.has('sle-cart')).toBe(true);
    expect(read).toHaveBeenCalledTimes(1);
    // Rewritten whole by that read; made writable by others, it is not trusted.
    expect(() => JSON.parse(readFileSync(cached, 'utf8')) as unknown).not.toThrow();
    chmodSync(cached, 0o666);
    loadCatalogCached(mappings, { cacheDir });
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('finds the bundled mappings where load.ts does', () => {
    expect(BUNDLED_MAPPINGS_DIR).toBe(load.DEFAULT_MAPPINGS_DIR);
  });

  it('works without a usable cache folder, silently', () => {
    const aFile = path.join(work, 'not-a-folder');
    writeFileSync(aFile, '');
    expect(loadCatalogCached(mappings, { cacheDir: path.join(aFile, 'cache') }).trials.has('sle-cart')).toBe(true);
    expect(loadCatalogCached(mappings, { cacheDir: 'off' }).trials.has('sle-cart')).toBe(true);
  });

  it('the CLI uses it (ELIGO_CACHE_DIR) and shows a changed mapping on the next run', async () => {
    const saved = process.env.ELIGO_CACHE_DIR;
    process.env.ELIGO_CACHE_DIR = cacheDir;
    try {
      const before = await cli('trials', '--mappings', mappings);
      expect(before.stdout).toMatch(/^sle-cart\t/m);
      expect(readdirSync(cacheDir)).toHaveLength(1);
      writeFileSync(sleFile(), readFileSync(sleFile(), 'utf8').replace(/^title: .*$/m, 'title: Changed title'));
      const after = await cli('trials', '--mappings', mappings);
      expect(after.stdout).toMatch(/^sle-cart\t.*\tChanged title$/m);
    } finally {
      if (saved === undefined) delete process.env.ELIGO_CACHE_DIR;
      else process.env.ELIGO_CACHE_DIR = saved;
    }
  });
});
