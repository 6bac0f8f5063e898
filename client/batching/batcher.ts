/**
 * Coalesces single operations into batches, as DataLoader does: every `load` made in the
 * same tick (and in the promise continuations of that tick) joins one batch, which the
 * dispatcher then splits per data canister. N concurrent `get`s to one canister cost
 * about one call.
 *
 * Scheduling: the batch runs after the current job and the promise jobs it queued
 * (`enqueuePostPromiseJob`, DataLoader's scheme: a resolved promise's `then`, then a
 * macrotask), so code that awaits between loads within the same tick still batches.
 * Pass another `schedule` to batch over a time window instead.
 *
 * Failures are exact: an `Error` in the results rejects only its item; a batch that
 * fails as a whole rejects every item of it. Nothing is cached.
 */

export type ScheduleFn = (callback: () => void) => void;

const resolved = Promise.resolve();
export const enqueuePostPromiseJob: ScheduleFn = (callback) => {
  void resolved.then(() => setTimeout(callback, 0));
};

interface Waiting<I, R> {
  input: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, R> {
  readonly #run: (inputs: I[]) => Promise<Array<R | Error>>;
  readonly #schedule: ScheduleFn;
  #waiting: Array<Waiting<I, R>> = [];

  constructor(run: (inputs: I[]) => Promise<Array<R | Error>>, schedule: ScheduleFn = enqueuePostPromiseJob) {
    this.#run = run;
    this.#schedule = schedule;
  }

  load(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      if (this.#waiting.length === 1) this.#schedule(() => void this.#dispatch());
    });
  }

  async #dispatch(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    let results: Array<R | Error>;
    try {
      results = await this.#run(batch.map((w) => w.input));
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    if (results.length !== batch.length) {
      const error = new TypeError(`A batch of ${batch.length} items returned ${results.length} results; it must return one per item, in order.`);
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const result = results[i];
      if (result instanceof Error) w.reject(result);
      else w.resolve(result);
    });
  }
}
