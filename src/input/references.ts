/**
 * Calls `visit` for every `reference` string anywhere in a resource (nested elements and
 * contained resources included), with the object that holds it so the caller may rewrite it.
 * Iterative: deeply nested input cannot overflow the stack.
 */
export function forEachReference(value: unknown, visit: (holder: Record<string, unknown>, reference: string) => void): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    const record = node as Record<string, unknown>;
    for (const key in record) {
      const child = record[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
      else if (key === 'reference' && typeof child === 'string') visit(record, child);
    }
  }
}

/** Rewrites, in place, every reference that `map` names (a Bundle's fullUrls to "Type/id"). */
export function rewriteReferences(value: unknown, map: ReadonlyMap<string, string>): void {
  forEachReference(value, (holder, reference) => {
    const target = map.get(reference);
    if (target !== undefined) holder.reference = target;
  });
}
