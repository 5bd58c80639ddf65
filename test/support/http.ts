/** Json off the wire, read field by field in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions check the shape
export type Json = any;

/** One HTTP call with an optional JSON body; the answer as text and, when it parses, as JSON. */
export async function callJson(method: string, url: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; headers: Headers; text: string; json: Json }> {
  const response = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
