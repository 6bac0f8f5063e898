/**
 * Runs tasks ahead of their consumer, in order, a bounded number at a time: while the
 * consumer works on one result, up to `ahead` later tasks are already running. Memory
 * holds at most `ahead + 1` results.
 */

/**
 * Yields the results of `tasks` in order. Stopping early (`break`, a throw in the
 * consumer) starts no further task; the ones already running finish unobserved.
 * REQUIRES: `ahead` ≥ 0.
 */
export async function* readAhead<T>(tasks: Iterable<() => Promise<T>>, ahead: number): AsyncGenerator<T> {
  const iterator = tasks[Symbol.iterator]();
  const running: Array<Promise<T>> = [];
  for (;;) {
    // The result awaited next, and `ahead` after it.
    while (running.length <= ahead) {
      const next = iterator.next();
      if (next.done) break;
      const result = next.value();
      // A task may fail while an earlier result is being consumed: mark its rejection as
      // handled now (it is rethrown when its turn comes), so Node does not report it as
      // unhandled, which would end the process.
      result.catch(() => {});
      running.push(result);
    }
    if (running.length === 0) return;
    yield await running.shift()!;
  }
}
