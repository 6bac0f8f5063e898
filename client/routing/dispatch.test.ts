import { describe, expect, it } from 'vitest';
import { splitIntoRequests } from './dispatch.ts';

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
