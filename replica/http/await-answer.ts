/**
 * Waiting for an ingress message's answer, whether or not anybody else runs the replica.
 *
 * - A live replica (`makeLive`) runs rounds by itself; the waiter waits for the replica
 *   to record the answer (`whenAnswered`).
 * - A stepped replica runs rounds only when asked, so the waiter *drives* it with
 *   `awaitCall`, which runs rounds until the message is answered and yields to the event
 *   loop between batches of rounds. Each message has at most one drive, however many
 *   requests wait for it (a sync call and the agent's retries of it).
 *
 * Concurrency: many drives may run at once; each round executes every queued message, so
 * whichever drive runs a round advances all of them, and a drive whose message is already
 * answered returns at once. A drive outlives a waiter that gave up (202), so the message
 * still completes and a later `read_state` finds its answer.
 */
import { CanisterRejectError, NoProgressError } from '../errors.ts';
import type { IngressRecord } from '../replica.ts';
import type { HttpReplica } from './exchange.ts';

/**
 * Waits until the message is replied or rejected, for at most `timeoutMs` of wall time.
 *
 * REQUIRES: the replica knows `messageId` (it was submitted).
 * @param timeoutMs Bound on the wait, in milliseconds.
 * @returns The answered record; undefined when the time ran out first, or when a stepped
 *   replica ran out of rounds for the message (it is stuck, as a call on the IC can be).
 * @throws whatever the engine threw while driving (not rejects, which are answers).
 */
export async function awaitAnswer(replica: HttpReplica, messageId: string, timeoutMs: number): Promise<IngressRecord | undefined> {
  if (!replica.isLive) {
    const outcome = await withTimeout(drive(replica, messageId), timeoutMs);
    if (outcome?.error !== undefined) throw outcome.error;
    return answered(replica, messageId);
  }
  if (timeoutMs <= 0) return answered(replica, messageId);
  return withTimeout(replica.whenAnswered(messageId), timeoutMs);
}

/**
 * Starts driving a stepped replica towards the message's answer without waiting for it,
 * so the message completes even if nobody waits (an async call, or a sync call whose wait
 * ended; the agent then polls `read_state`). Does nothing for a live replica.
 */
export function driveInBackground(replica: HttpReplica, messageId: string): void {
  if (!replica.isLive) void drive(replica, messageId);
}

/** Whether the message has its final answer. */
export function isAnswered(record: IngressRecord): boolean {
  return record.status === 'replied' || record.status === 'rejected' || record.status === 'done';
}

// Private.

function answered(replica: HttpReplica, messageId: string): IngressRecord | undefined {
  const record = replica.ingressStatus(messageId);
  return record && isAnswered(record) ? record : undefined;
}

/** How a drive ended: `error` is an engine failure; a reject or running out of rounds is not one. */
interface DriveOutcome {
  readonly error?: unknown;
}

/** Running drives per replica, by message id. */
const drives = new WeakMap<HttpReplica, Map<string, Promise<DriveOutcome>>>();

/** The message's drive, started if none runs. The promise never rejects, so a drive nobody awaits any more cannot become an unhandled rejection. */
function drive(replica: HttpReplica, messageId: string): Promise<DriveOutcome> {
  let running = drives.get(replica);
  if (!running) drives.set(replica, (running = new Map()));
  const existing = running.get(messageId);
  if (existing) return existing;
  const started = replica.awaitCall(messageId).then(
    (): DriveOutcome => ({}),
    (error: unknown): DriveOutcome => (error instanceof CanisterRejectError || error instanceof NoProgressError ? {} : { error }),
  );
  running.set(messageId, started);
  void started.then(() => running.delete(messageId));
  return started;
}

/** `promise`'s value, or undefined if it takes longer than `ms`. Clears its timer either way. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let expire = (): void => {};
  const timeout = new Promise<undefined>((resolve) => (expire = () => resolve(undefined)));
  const timer = setTimeout(expire, ms);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
