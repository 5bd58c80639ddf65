import { appendFile, chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log';
import type { AuditLog, AuditRecord } from './types';

/**
 * The append-only audit trail: one JSON line per record in `<dir>/<YYYY-MM-DD>.jsonl` (UTC day
 * of the record), files 0600 in a 0700 folder. Lines are only ever appended; retention removes
 * whole days (`eligo purge`). Writes are queued in order and never block an answer; a write
 * that fails is logged (without the record's content) and does not stop the service.
 */
export class FileAuditLog implements AuditLog {
  private tail: Promise<void> = Promise.resolve();
  private ready: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly log?: Logger,
  ) {}

  record(entry: AuditRecord): void {
    const line = `${JSON.stringify(entry)}\n`;
    const file = path.join(this.dir, `${entry.time.slice(0, 10)}.jsonl`);
    this.tail = this.tail
      .then(() => this.prepare())
      .then(() => appendFile(file, line, { mode: 0o600, flag: 'a' }))
      .catch((error: unknown) => {
        this.log?.error({ code: (error as NodeJS.ErrnoException).code, file }, 'audit record not written');
      });
  }

  flush(): Promise<void> {
    return this.tail;
  }

  private prepare(): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => chmod(this.dir, 0o700));
    return this.ready;
  }
}

/** Several destinations (the file, FHIR AuditEvents) as one. */
export class AuditLogs implements AuditLog {
  constructor(private readonly logs: readonly AuditLog[]) {}

  record(entry: AuditRecord): void {
    for (const log of this.logs) log.record(entry);
  }

  async flush(): Promise<void> {
    await Promise.all(this.logs.map((log) => log.flush()));
  }
}
