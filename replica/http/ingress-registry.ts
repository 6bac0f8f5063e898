/**
 * Who sent each ingress message that arrived over HTTP, so that `read_state` can enforce
 * the IC's rule that only a message's sender may read its `request_status`, and report
 * `done` once the message expired (the IC then forgets the reply).
 *
 * One registry per replica ({@link IngressRegistry.of}), shared by every handler over it:
 * a call made through `listen` may be polled through the in-process handler and vice versa.
 *
 * Memory: an entry lives until {@link DONE_RETENTION_NANOS} after its message's expiry.
 * Entries are dropped from the oldest on, stopping at the first that must stay; since
 * agents set expiries a fixed time ahead, insertion order is close to expiry order, and an
 * entry outlives its time by at most the spread of expiries (5.5 minutes).
 */
import type { Principal } from '@dfinity/principal';
import { NANOS_PER_SECOND } from './ic-time.ts';

/** How long after its `ingress_expiry` a message's status stays readable as `done`, in nanoseconds (5 minutes). */
export const DONE_RETENTION_NANOS = 300n * NANOS_PER_SECOND;

/** What the HTTP interface remembers of an ingress message it accepted. */
export interface IngressOrigin {
  /** The authenticated sender. */
  readonly sender: Principal;
  /** The canister the call addresses: `canister_id`, or the effective canister id for management calls. */
  readonly receiver: Principal;
  /** The message's `ingress_expiry`, nanoseconds since the Unix epoch. */
  readonly expiryNanos: bigint;
}

export class IngressRegistry {
  /** Message id (hex request id) → origin, in insertion order. */
  readonly #origins = new Map<string, IngressOrigin>();

  /**
   * The registry of one replica, created on first use.
   * @param replica Any object that stands for the replica; the registry lives as long as it.
   */
  static of(replica: object): IngressRegistry {
    let registry = registries.get(replica);
    if (!registry) registries.set(replica, (registry = new IngressRegistry()));
    return registry;
  }

  /**
   * Remembers a message the replica accepted, and forgets messages past their retention.
   * @param nowNanos Wall-clock time, nanoseconds since the Unix epoch.
   */
  record(messageId: string, origin: IngressOrigin, nowNanos: bigint): void {
    for (const [id, { expiryNanos }] of this.#origins) {
      if (expiryNanos + DONE_RETENTION_NANOS >= nowNanos) break;
      this.#origins.delete(id);
    }
    this.#origins.set(messageId, origin);
  }

  /** The origin of a message, or undefined for one this registry never saw (or forgot). */
  get(messageId: string): IngressOrigin | undefined {
    return this.#origins.get(messageId);
  }
}

// Keyed weakly, so a closed and dropped replica takes its registry with it.
const registries = new WeakMap<object, IngressRegistry>();
