/** Typed events the client emits, instead of logging. */
export interface BigMapEvents {
  /** The slot table was fetched from the index. */
  slotsRefreshed: { version: bigint; ranges: number };
  /** An item was sent to another canister than the table said (slot moved or moving). */
  redirected: { from: string; to: string; reason: 'moved' | 'migrating' | 'fallback' };
  /** A batch request went to a data canister. */
  batchDispatched: { canister: string; method: string; items: number };
}

type Listener<T> = (event: T) => void;

/** A minimal typed event emitter (works in browsers as in Node). */
export class Emitter<M extends object> {
  readonly #listeners = new Map<keyof M, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) (listener as Listener<M[K]>)(payload);
  }
}
