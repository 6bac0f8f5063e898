/**
 * Sends items to the data canisters that own their keys, and follows the routing
 * protocol until every item has a final answer:
 *
 *  - `moved`: the slot is not there any more. Refresh the slot table (once for all items
 *    that got it) and resend. Counts as a hop.
 *  - `migrating {to}`: the slot is moving to `to`; resend there directly, without waiting
 *    for the table (as Redis ASK). Counts as a hop. A redirect (or fallback) is followed
 *    only to a data canister of this BigMap; any other target fails the item with
 *    UntrustedRedirectError, and nothing is sent there.
 *  - `fallback {from}` (reads): the target has not copied this key yet; read it from `from`
 *    with `fallback = true`. Counts as a hop.
 *  - `unavailable`: the slot is about to move or its canister is busy; resend after a
 *    backoff, within `retryBudgetMs`.
 *  - `notIncluded` (reads): the reply ran out of room (a data canister answers at most
 *    about 1.95 MB of values per call); ask again. The keys left out are re-asked in
 *    requests of as many keys as that reply had room for, all at once (within the
 *    limiter's concurrency), not in one request per round: one round for a batch of
 *    values of about one size, instead of one round per reply's worth. A key still left out
 *    when asked alone holds a value no reply can carry, and fails.
 *
 * Items going to the same canister travel together, split into requests within
 * `maxBatchItems` and `maxBatchBytes`; requests run through the {@link Limiter}. A call
 * that fails transiently (SYS_TRANSIENT, a stopping canister, the network) is retried
 * with backoff; any other failure is the error of every item in that request.
 */
import { BigMapError, TooManyRedirectsError, UnavailableError, UntrustedRedirectError } from '../errors/index.ts';
import type { DataService } from '../idl/data.ts';
import type { BigMapEvents, Emitter } from '../events.ts';
import type { ClientOptions } from '../options.ts';
import { classifyCallError, sleep } from './call-errors.ts';
import type { Limiter } from './limiter.ts';
import type { SlotRoutes } from './slot-routes.ts';

/** What a per-item answer asks the dispatcher to do. */
export type Routing =
  | { kind: 'done' }
  | { kind: 'moved' }
  | { kind: 'migrating'; to: string }
  | { kind: 'fallback'; from: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'again' };

export interface Operation<I, R> {
  /** The data canister method, for events. */
  method: string;
  /** Bytes the item adds to a request (for splitting). */
  sizeOf(input: I): number;
  /** The stored key the item is routed by. */
  keyOf(input: I): Uint8Array;
  send(canister: DataService, inputs: I[], fallback: boolean): Promise<R[]>;
  route(result: R): Routing;
}

/** What the dispatcher needs from the client. */
export interface DispatchContext {
  options: ClientOptions;
  routes: SlotRoutes;
  limiter: Limiter;
  events: Emitter<BigMapEvents>;
  dataCanister(id: string): DataService;
}

interface Item<I, R> {
  input: I;
  slot: number;
  hops: number;
  /** Where the next attempt goes instead of the table's answer, and who said so. */
  redirect?: string;
  redirectedBy?: string;
  fallback: boolean;
  /** Left out of a reply for room: the keys that reply had room for (at least 1). */
  perRequest?: number;
  unavailableSince?: number;
  lastReason?: string;
  result?: R | BigMapError;
  next?: Routing;
}

/** Sends `inputs` and returns one final answer (or error) per input, in order. */
export async function dispatch<I, R>(ctx: DispatchContext, op: Operation<I, R>, inputs: readonly I[]): Promise<Array<R | BigMapError>> {
  const items: Array<Item<I, R>> = inputs.map((input) => {
    const key = op.keyOf(input);
    return { input, slot: (key[0] << 8) | key[1], hops: 0, fallback: false };
  });
  let pending = items;
  let delay = ctx.options.retryDelayMs;
  while (pending.length > 0) {
    const groups = new Map<string, Array<Item<I, R>>>();
    for (const item of pending) {
      // Follow a redirect only to a data canister of this BigMap: never send to, or trust, another.
      if (item.redirect) {
        const to = item.redirect;
        let trusted: boolean;
        try {
          trusted = await callWithRetries(ctx, 'index', () => ctx.routes.isDataCanister(to));
        } catch (e) {
          item.result = e instanceof BigMapError ? e : classifyCallError(e).error;
          continue;
        }
        if (!trusted) {
          item.result = new UntrustedRedirectError(item.redirectedBy ?? 'unknown', to);
          continue;
        }
      }
      const target = item.redirect ?? (await ctx.routes.route(item.slot));
      const group = `${target}|${item.fallback}`;
      let list = groups.get(group);
      if (!list) groups.set(group, (list = []));
      list.push(item);
    }
    await Promise.all([...groups].map(([group, list]) => sendGroup(ctx, op, group.split('|')[0], list[0].fallback, list)));

    const next: Array<Item<I, R>> = [];
    let refresh = false;
    let wait = false;
    for (const item of pending) {
      const routing = item.next;
      item.next = undefined;
      if (item.result !== undefined || !routing) continue;
      if (routing.kind === 'unavailable') {
        item.unavailableSince ??= Date.now();
        item.lastReason = routing.reason;
        if (Date.now() - item.unavailableSince > ctx.options.retryBudgetMs) {
          item.result = new UnavailableError(routing.reason);
          continue;
        }
        wait = true;
      } else if (routing.kind === 'moved' || routing.kind === 'migrating' || routing.kind === 'fallback') {
        item.hops++;
        if (item.hops > ctx.options.maxRedirects) {
          item.result = new TooManyRedirectsError(item.hops, item.lastReason ? new BigMapError(item.lastReason) : undefined);
          continue;
        }
        if (routing.kind === 'moved') refresh = true;
      }
      next.push(item);
    }
    if (refresh) await ctx.routes.refresh();
    if (wait) {
      await sleep(delay);
      delay = Math.min(delay * 2, ctx.options.maxRetryDelayMs);
    }
    pending = next;
  }
  return items.map((item) => item.result!);
}

async function sendGroup<I, R>(ctx: DispatchContext, op: Operation<I, R>, target: string, fallback: boolean, items: Array<Item<I, R>>): Promise<void> {
  const sizeOf = (item: Item<I, R>) => op.sizeOf(item.input);
  const fresh = items.filter((item) => item.perRequest === undefined);
  const leftOut = items.filter((item) => item.perRequest !== undefined);
  // Values about the size of those the last reply held: as many per request as it held.
  const perRequest = Math.min(ctx.options.maxBatchItems, ...leftOut.map((item) => item.perRequest!));
  const requests = [...splitIntoRequests(fresh, sizeOf, ctx.options), ...splitIntoRequests(leftOut, sizeOf, { ...ctx.options, maxBatchItems: perRequest })];
  await Promise.all(
    requests.map(async (request) => {
      let answers: R[];
      try {
        answers = await callWithRetries(ctx, target, () => {
          ctx.events.emit('batchDispatched', { canister: target, method: op.method, items: request.length });
          return op.send(ctx.dataCanister(target), request.map((i) => i.input), fallback);
        });
      } catch (e) {
        const error = e instanceof BigMapError ? e : classifyCallError(e).error;
        for (const item of request) item.result = error;
        return;
      }
      if (answers.length !== request.length) {
        const error = new BigMapError(`Data canister ${target} answered ${answers.length} results for ${request.length} items.`, {
          metaMessages: ['The canister and this client disagree on the batch protocol: check their versions.'],
        });
        for (const item of request) item.result = error;
        return;
      }
      const routings = answers.map((answer) => op.route(answer));
      const fitted = routings.filter((routing) => routing.kind !== 'again').length;
      request.forEach((item, i) => {
        if (routings[i].kind === 'again') {
          if (request.length === 1) {
            item.result = new BigMapError(`Data canister ${target} cannot fit the value of this key in a reply, even alone.`, {
              metaMessages: ['The value is larger than a reply can hold (about 1.95 MB); this client stores such values in chunks, so another writer stored it.'],
            });
            return;
          }
          item.perRequest = Math.max(1, fitted);
        }
        applyRouting(ctx, item, target, routings[i], answers[i]);
      });
    }),
  );
}

function applyRouting<I, R>(ctx: DispatchContext, item: Item<I, R>, target: string, routing: Routing, answer: R): void {
  switch (routing.kind) {
    case 'done':
      item.result = answer;
      return;
    case 'moved':
      item.redirect = undefined;
      item.fallback = false;
      item.next = routing;
      return;
    case 'migrating':
      ctx.events.emit('redirected', { from: target, to: routing.to, reason: 'migrating' });
      item.redirect = routing.to;
      item.redirectedBy = target;
      item.fallback = false;
      item.next = routing;
      return;
    case 'fallback':
      ctx.events.emit('redirected', { from: target, to: routing.from, reason: 'fallback' });
      item.redirect = routing.from;
      item.redirectedBy = target;
      item.fallback = true;
      item.next = routing;
      return;
    case 'unavailable':
    case 'again':
      item.next = routing;
      return;
  }
}

/** Splits items into requests of at most `maxBatchItems` items and `maxBatchBytes` bytes. */
export function splitIntoRequests<T>(items: readonly T[], sizeOf: (item: T) => number, options: Pick<ClientOptions, 'maxBatchItems' | 'maxBatchBytes'>): T[][] {
  const requests: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length === options.maxBatchItems || bytes + size > options.maxBatchBytes)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** Runs a call through the limiter, retrying transient failures with backoff within the budget. */
export async function callWithRetries<T>(ctx: Pick<DispatchContext, 'options' | 'limiter'>, canister: string, call: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let delay = ctx.options.retryDelayMs;
  for (;;) {
    try {
      return await ctx.limiter.run(canister, call);
    } catch (e) {
      const failure = classifyCallError(e);
      if (!failure.transient || Date.now() - started > ctx.options.retryBudgetMs) throw failure.error;
      await sleep(delay);
      delay = Math.min(delay * 2, ctx.options.maxRetryDelayMs);
    }
  }
}
