import { isLive, type SmartStorage, type StoredEntry } from './storage';

/** For tests and single-process development: everything is lost on restart. */
export class MemorySmartStorage implements SmartStorage {
  private readonly entries = new Map<string, StoredEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): Promise<unknown> {
    const entry = this.entries.get(key);
    if (!isLive(entry, this.now())) {
      this.entries.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(structuredClone(entry.value));
  }

  set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { expiresAt: this.now() + ttlSeconds * 1000, value: structuredClone(value) });
    return Promise.resolve();
  }

  unset(key: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(key));
  }
}
