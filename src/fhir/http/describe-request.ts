/**
 * A request as errors name it: the path relative to the server base and the query parameter
 * names without their values ("GET Observation?patient=…&_count=…"). Paths carry resource ids
 * only; values (codes, dates, identifiers) stay out of messages and logs.
 */
export function describeRequest(method: string, url: string, baseUrl: string): string {
  const absolute = new URL(url, `${baseUrl}/`);
  const base = new URL(`${baseUrl}/`);
  const names = [...new Set([...absolute.searchParams.keys()])];
  const query = names.length > 0 ? `?${names.map((n) => `${n}=…`).join('&')}` : '';
  if (absolute.origin !== base.origin || !absolute.pathname.startsWith(base.pathname)) {
    return `${method} ${absolute.origin}${absolute.pathname}${query}`;
  }
  const path = absolute.pathname.slice(base.pathname.length);
  return `${method} ${path === '' ? '/' : path}${query}`;
}

/** The base URL without user:password, for messages. */
export function displayBaseUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return '(invalid base URL)';
  }
}
