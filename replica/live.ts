/**
 * The live driver: runs a replica by itself, as PocketIC's live mode. Canister time
 * follows the wall clock, and rounds run while there is work (messages queued or a timer
 * due), yielding to the event loop between batches so HTTP requests keep flowing.
 *
 * The stepped core never reads the wall clock; this driver is the one place that does.
 */
import type { Replica } from './replica.ts';

/** Rounds run before yielding to the event loop. */
const ROUNDS_PER_TURN = 32;
/** How often an idle replica wakes up to move time forward and fire due timers (ms). */
const IDLE_WAKE_MS = 20;

export class LiveDriver {
  readonly #replica: Replica;
  #running = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(replica: Replica) {
    this.#replica = replica;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => this.#turn(), delayMs);
    // A live replica alone must not keep a process alive (servers and the CLI do that).
    this.#timer.unref();
  }

  #turn(): void {
    if (!this.#running) return;
    const replica = this.#replica;
    replica.setTimeNanos(BigInt(Date.now()) * 1_000_000n);
    let rounds = 0;
    while (replica.hasPendingWork && rounds < ROUNDS_PER_TURN) {
      replica.round();
      rounds++;
    }
    this.#schedule(replica.hasPendingWork ? 0 : IDLE_WAKE_MS);
  }
}
