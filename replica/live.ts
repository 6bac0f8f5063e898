/**
 * The live driver: runs a replica by itself, as PocketIC's live mode. Canister time
 * follows the wall clock (set before every round), and rounds run while there is work
 * (messages queued or a timer due), yielding to the event loop between batches so HTTP
 * requests keep flowing.
 *
 * Latency: an idle driver sleeps {@link IDLE_WAKE_MS} between turns, but a submitted
 * message wakes it ({@link LiveDriver.wake}): its turn starts as soon as the event loop
 * is free, instead of up to 20 ms later.
 *
 * The stepped core never reads the wall clock; this driver is the one place that does.
 */
import type { Replica } from './replica.ts';

/** Rounds run before yielding to the event loop. */
const ROUNDS_PER_TURN = 32;
/** How often an idle replica wakes up to move time forward and fire due timers (ms). */
const IDLE_WAKE_MS = 20;

/** The wall clock in nanoseconds since the Unix epoch. */
export function wallClockNanos(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export class LiveDriver {
  readonly #replica: Replica;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;

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
    this.#cancel();
  }

  /**
   * Work arrived (a message was submitted): runs a turn as soon as the event loop is
   * free, unless one is already due that soon. Does nothing when stopped.
   */
  wake(): void {
    if (!this.#running || this.#immediate) return;
    this.#cancel();
    // setImmediate, not setTimeout(0) (at least 1 ms). Not unref'd: an unref'd immediate
    // does not stop the event loop from blocking in its poll until the next timer, which
    // would make it no faster than the idle wake. It keeps the process alive for one turn.
    this.#immediate = setImmediate(() => this.#turn());
  }

  #cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  #schedule(delayMs: number): void {
    this.#cancel();
    if (!this.#running) return;
    this.#timer = setTimeout(() => this.#turn(), delayMs);
    // A live replica alone must not keep a process alive (servers and the CLI do that).
    this.#timer.unref();
  }

  #turn(): void {
    this.#timer = undefined;
    this.#immediate = undefined;
    if (!this.#running) return;
    const replica = this.#replica;
    // Every round sets the time from the wall clock too (Replica.round); this moves it for
    // an idle turn, so that due timers count as work.
    replica.setTimeNanos(wallClockNanos());
    let rounds = 0;
    while (replica.hasPendingWork && rounds < ROUNDS_PER_TURN) {
      replica.round();
      rounds++;
    }
    this.#schedule(replica.hasPendingWork ? 0 : IDLE_WAKE_MS);
  }
}
