/**
 * Bounds requests in flight: per data canister and in total (p-queue). A request waits
 * for a place in its canister's queue, then for one in the global queue.
 */
import PQueue from 'p-queue';

export class Limiter {
  readonly #global: PQueue;
  readonly #perCanister = new Map<string, PQueue>();
  readonly #concurrencyPerCanister: number;

  constructor(concurrency: number, concurrencyPerCanister: number) {
    this.#global = new PQueue({ concurrency });
    this.#concurrencyPerCanister = concurrencyPerCanister;
  }

  run<T>(canister: string, task: () => Promise<T>): Promise<T> {
    let queue = this.#perCanister.get(canister);
    if (!queue) this.#perCanister.set(canister, (queue = new PQueue({ concurrency: this.#concurrencyPerCanister })));
    return queue.add(() => this.#global.add(task));
  }
}
