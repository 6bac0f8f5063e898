/**
 * Takes checkpoints: on an interval, on request, and at close.
 *
 * A checkpoint is captured synchronously (between rounds, so the state is consistent) and
 * written asynchronously; one write runs at a time. Requests that arrive while a write
 * runs share the next checkpoint (group commit), so making every update durable costs one
 * checkpoint per write's duration, not one per update.
 */
import type { CheckpointData, StateDirectory } from './state-directory.ts';

/** One captured checkpoint, with what to do once it is on disk or has failed. */
export interface Captured {
  data: CheckpointData;
  written(): void;
  failed(error: Error): void;
}

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Checkpointer {
  readonly #directory: StateDirectory;
  readonly #capture: () => Captured;
  readonly #onError: (error: Error) => void;
  #next: Waiters | undefined;
  #writing = false;
  #interval: NodeJS.Timeout | undefined;

  /**
   * @param capture takes the replica's state now; called only from a fresh microtask, so never mid-round
   * @param onError reports a failed interval checkpoint (requested ones reject instead)
   */
  constructor(directory: StateDirectory, capture: () => Captured, onError: (error: Error) => void) {
    this.#directory = directory;
    this.#capture = capture;
    this.#onError = onError;
  }

  /** Checkpoints every `ms` while `changed()` says there is something new. */
  startInterval(ms: number, changed: () => boolean): void {
    this.#interval = setInterval(() => {
      if (changed()) this.request().catch(this.#onError);
    }, ms);
    // Checkpoints alone must not keep a process alive.
    this.#interval.unref();
  }

  /** Resolves once a checkpoint of the state as of now (or later) is on disk. */
  request(): Promise<void> {
    if (!this.#next) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#next = { promise, resolve, reject };
      // Capture after the code that asked has finished its synchronous work (a round).
      queueMicrotask(() => this.#pump());
    }
    return this.#next.promise;
  }

  /** Takes a last checkpoint and releases the directory. */
  async close(): Promise<void> {
    clearInterval(this.#interval);
    try {
      await this.request();
    } finally {
      await this.#directory.close();
    }
  }

  #pump(): void {
    if (this.#writing || !this.#next) return;
    const waiters = this.#next;
    this.#next = undefined;
    let captured: Captured;
    try {
      captured = this.#capture();
    } catch (e) {
      waiters.reject(e as Error);
      return;
    }
    this.#writing = true;
    this.#directory.write(captured.data).then(
      () => {
        captured.written();
        waiters.resolve();
      },
      (e: Error) => {
        captured.failed(e);
        waiters.reject(e);
      },
    ).finally(() => {
      this.#writing = false;
      this.#pump();
    });
  }
}
