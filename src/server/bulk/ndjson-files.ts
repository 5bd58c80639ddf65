import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

/** One file of an export, as the manifest lists it. */
export interface ExportFile {
  type: string;
  /** File name inside the job's folder (also the last segment of its URL). */
  name: string;
  count: number;
}

interface OpenFile extends ExportFile {
  stream: WriteStream;
}

/**
 * The NDJSON files of one export job: one file per type, a new part after `maxPerFile`
 * resources, written with back-pressure so a large export never buffers in memory.
 */
export class NdjsonFiles {
  private readonly open = new Map<string, OpenFile>();
  private readonly done: ExportFile[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxPerFile: number,
  ) {}

  async write(type: string, resource: object): Promise<void> {
    if (this.failure) throw this.failure;
    let file = this.open.get(type);
    if (file && file.count >= this.maxPerFile) {
      await this.finish(file);
      this.open.delete(type);
      file = undefined;
    }
    if (!file) {
      const part = this.done.filter((f) => f.type === type).length + 1;
      const name = `${type}.${part}.ndjson`;
      const stream = createWriteStream(join(this.dir, name), { flags: 'wx' });
      stream.on('error', (error) => (this.failure ??= error));
      file = { type, name, count: 0, stream };
      this.open.set(type, file);
    }
    file.count++;
    if (!file.stream.write(`${JSON.stringify(resource)}\n`)) await once(file.stream, 'drain');
  }

  /** Closes every file; resolves with all of them, in the order they were started. */
  async close(): Promise<ExportFile[]> {
    for (const file of this.open.values()) await this.finish(file);
    this.open.clear();
    if (this.failure) throw this.failure;
    return [...this.done].sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name, 'en', { numeric: true }) : a.type.localeCompare(b.type)));
  }

  destroy(): void {
    for (const file of this.open.values()) file.stream.destroy();
    this.open.clear();
  }

  private async finish(file: OpenFile): Promise<void> {
    file.stream.end();
    await once(file.stream, 'finish');
    this.done.push({ type: file.type, name: file.name, count: file.count });
  }
}
