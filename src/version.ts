import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The service version, read once from package.json (stamped on reports and Provenance). */
export const SERVICE_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
