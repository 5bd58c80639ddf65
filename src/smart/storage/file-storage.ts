import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isLive, type SmartStorage, type StoredEntry } from './storage';

/**
 * One JSON file per key, so sessions survive a restart of one process. File names are a hash
 * of the key (a session id is a secret); files are 0600 in a 0700 folder because they hold
 * access and refresh tokens; writes go to a temporary file then rename, so a crash never leaves
 * half an entry. Not for several processes sharing sessions: use a shared store for that.
 */
export class FileSmartStorage implements SmartStorage {
  private lastSweep = 0;

  constructor(
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private fileFor(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  async get(key: string): Promise<unknown> {
    const entry = await this.read(this.fileFor(key));
    if (!isLive(entry, this.now())) {
      if (entry) await rm(this.fileFor(key), { force: true });
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const file = this.fileFor(key);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const entry: StoredEntry = { expiresAt: this.now() + ttlSeconds * 1000, value };
    await writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
    await rename(tmp, file);
    await this.sweepNowAndThen();
  }

  async unset(key: string): Promise<boolean> {
    const file = this.fileFor(key);
    const existed = (await this.read(file)) !== undefined;
    await rm(file, { force: true });
    return existed;
  }

  private async read(file: string): Promise<StoredEntry | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<StoredEntry>;
      return typeof parsed.expiresAt === 'number' ? { expiresAt: parsed.expiresAt, value: parsed.value } : undefined;
    } catch {
      // A damaged file is no session: the person launches again.
      return undefined;
    }
  }

  /** Expired entries are removed at most once a minute, on a write. */
  private async sweepNowAndThen(): Promise<void> {
    const now = this.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(this.dir, name);
      const entry = await this.read(file);
      if (!isLive(entry, now)) await rm(file, { force: true });
    }
  }
}
