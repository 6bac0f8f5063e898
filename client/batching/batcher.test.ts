import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

function recordingBatcher() {
  const calls: number[][] = [];
  const batcher = new Batcher<number, string>(async (keys) => {
    calls.push(keys);
    return keys.map((k) => (k < 0 ? new Error(`bad ${k}`) : `v${k}`));
  });
  return { batcher, calls };
}

describe('Batcher', () => {
  it('coalesces loads made in the same tick into one batch, answering in order', async () => {
    const { batcher, calls } = recordingBatcher();
    const values = await Promise.all([batcher.load(1), batcher.load(2), batcher.load(3)]);
    expect(values).toEqual(['v1', 'v2', 'v3']);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('coalesces loads made in promise continuations of the same tick', async () => {
    const { batcher, calls } = recordingBatcher();
    const a = batcher.load(1);
    await Promise.resolve();
    const b = batcher.load(2);
    await Promise.all([a, b]);
    expect(calls).toEqual([[1, 2]]);
  });

  it('starts a new batch for loads after the previous one was dispatched', async () => {
    const { batcher, calls } = recordingBatcher();
    await batcher.load(1);
    await batcher.load(2);
    expect(calls).toEqual([[1], [2]]);
  });

  it('rejects only the item whose result is an Error', async () => {
    const { batcher } = recordingBatcher();
    const results = await Promise.allSettled([batcher.load(1), batcher.load(-1), batcher.load(2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('rejects every item when the batch fails as a whole, and when it answers the wrong number of results', async () => {
    const failing = new Batcher<number, number>(async () => {
      throw new Error('down');
    });
    await expect(Promise.all([failing.load(1), failing.load(2)])).rejects.toThrow('down');
    const short = new Batcher<number, number>(async () => [1]);
    const results = await Promise.allSettled([short.load(1), short.load(2)]);
    expect(results.every((r) => r.status === 'rejected' && /returned 1 results/.test(String(r.reason)))).toBe(true);
  });
});
