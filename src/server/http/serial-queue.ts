/**
 * Runs tasks one at a time, in arrival order. The embedded server puts every write through one
 * queue: conditional creates cannot race into duplicates and a transaction never interleaves
 * with another write. Reads do not queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
