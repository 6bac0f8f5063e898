import { describe, expect, it } from 'vitest';
import { BigMapError } from '../errors/index.ts';
import { Emitter, type BigMapEvents } from '../events.ts';
import type { DataService } from '../idl/data.ts';
import { resolveOptions } from '../options.ts';
import { dispatch, splitIntoRequests, type DispatchContext, type Operation } from './dispatch.ts';
import { Limiter } from './limiter.ts';
import type { SlotRoutes } from './slot-routes.ts';

describe('splitIntoRequests', () => {
  const sizes = (requests: number[][]) => requests.map((r) => r.reduce((a, b) => a + b, 0));

  it('keeps every request within the item and byte caps, in order', () => {
    const items = Array.from({ length: 25 }, (_, i) => 100 + i);
    const requests = splitIntoRequests(items, (x) => x, { maxBatchItems: 4, maxBatchBytes: 350 });
    expect(requests.flat()).toEqual(items);
    for (const r of requests) expect(r.length).toBeLessThanOrEqual(4);
    for (const total of sizes(requests)) expect(total).toBeLessThanOrEqual(350);
  });

  it('sends an item larger than the byte cap alone rather than dropping it', () => {
    expect(splitIntoRequests([10, 500, 10], (x) => x, { maxBatchItems: 10, maxBatchBytes: 100 })).toEqual([[10], [500], [10]]);
  });
});

describe('dispatch of reads a reply has no room for', () => {
  /** One data canister whose reply holds `budget` bytes of values, filled in order as a data canister does. */
  function fixture(budget: number) {
    const ctx: DispatchContext = {
      options: resolveOptions(),
      routes: { route: async () => 'c', isDataCanister: async () => true, refresh: async () => undefined } as unknown as SlotRoutes,
      limiter: new Limiter(32, 4),
      events: new Emitter<BigMapEvents>(),
      dataCanister: () => ({}) as DataService,
    };
    const requests: number[][] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    // Inputs are value sizes; a key is two slot bytes.
    const op: Operation<number, { found: number } | { notIncluded: null }> = {
      method: 'get',
      sizeOf: () => 10,
      keyOf: () => new Uint8Array([0, 0]),
      async send(_canister, sizes) {
        requests.push(sizes);
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        let left = budget;
        return sizes.map((size) => {
          if (size > left) return { notIncluded: null };
          left -= size;
          return { found: size };
        });
      },
      route: (r) => ('notIncluded' in r ? { kind: 'again' } : { kind: 'done' }),
    };
    return { ctx, op, requests, mostInFlight: () => mostInFlight };
  }

  it('re-asks the keys left out all at once, as many per request as the reply held', async () => {
    const { ctx, op, requests, mostInFlight } = fixture(1_800);
    const sizes = [700, 700, 700, 700, 700, 700, 700];
    expect(await dispatch(ctx, op, sizes)).toEqual(sizes.map((found) => ({ found })));
    expect(requests).toEqual([sizes, [700, 700], [700, 700], [700]]);
    expect(mostInFlight()).toBe(3);
  });

  it('fails a key whose value no reply can hold, instead of asking for it forever', async () => {
    const { ctx, op, requests } = fixture(1_800);
    const [small, huge] = await dispatch(ctx, op, [100, 1_900]);
    expect(small).toEqual({ found: 100 });
    expect(huge).toBeInstanceOf(BigMapError);
    expect(String(huge)).toContain('cannot fit the value of this key in a reply, even alone');
    expect(requests).toEqual([[100, 1_900], [1_900]]);
  });
});
