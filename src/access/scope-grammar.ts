/** The SMART scope contexts: a patient's own data, what a user may see, what a backend service may see. */
export type ScopeContext = 'patient' | 'user' | 'system';
export type ScopeLetter = 'c' | 'r' | 'u' | 'd' | 's';

/**
 * "system/Observation.rs" -> may `letter` be done on `type` within one of `contexts`? SMART v2
 * letters and v1 `read`/`write`/`*` are understood. Fails closed: anything that does not parse
 * grants nothing.
 */
export function scopeAllows(scopes: ReadonlySet<string>, type: string, letter: ScopeLetter, contexts: readonly ScopeContext[]): boolean {
  for (const scope of scopes) {
    const match = /^(patient|user|system)\/([A-Za-z*]+)\.([a-z*]+)$/.exec(scope);
    if (!match || !contexts.includes(match[1] as ScopeContext) || (match[2] !== type && match[2] !== '*')) continue;
    const perms = match[3] as string;
    if (perms === '*') return true;
    if (perms === 'read' && (letter === 'r' || letter === 's')) return true;
    if (perms === 'write' && (letter === 'c' || letter === 'u' || letter === 'd')) return true;
    if (/^c?r?u?d?s?$/.test(perms) && perms.includes(letter)) return true;
  }
  return false;
}

export function scopeSet(scope: string | readonly string[] | undefined): Set<string> {
  if (scope === undefined) return new Set();
  return new Set((typeof scope === 'string' ? scope.split(/\s+/) : scope).filter(Boolean));
}
