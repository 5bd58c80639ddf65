/**
 * Runs `work` over an async iterable with at most `limit` calls in flight. Pulls are serialised
 * (one `next()` at a time, whatever the iterable), so a streaming source is read no faster than
 * the workers take items and memory holds at most `limit` items. Stops pulling once `signal`
 * aborts or `work` throws; calls in flight finish first. The first error thrown by `work` (or by
 * the iterable) is rethrown after every worker has stopped.
 */
export async function forEachLimit<T>(items: AsyncIterable<T>, limit: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let pulling: Promise<unknown> = Promise.resolve();
  let exhausted = false;
  let failure: { error: unknown } | undefined;

  const pull = (): Promise<{ item: T } | undefined> => {
    const next = pulling.then(async () => {
      if (exhausted || failure || signal.aborted) return undefined;
      const result = await iterator.next();
      if (result.done) {
        exhausted = true;
        return undefined;
      }
      return { item: result.value };
    });
    pulling = next.catch(() => undefined);
    return next;
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      try {
        const next = await pull();
        if (!next) return;
        await work(next.item);
      } catch (error) {
        failure ??= { error };
        return;
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.floor(limit)) }, () => worker()));
  // A source stopped early gets to run its finally blocks (close files, end downloads).
  if (!exhausted) await iterator.return?.()?.catch(() => undefined);
  if (failure) throw failure.error;
}
