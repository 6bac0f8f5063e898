import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_OPTIONS, resolveOptions } from './options.ts';

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveOptions({ maxRedirects: 3 })).toEqual({ ...DEFAULT_CLIENT_OPTIONS, maxRedirects: 3 });
  });

  it('names the bad option, its value and its type', () => {
    expect(() => resolveOptions({ maxBatchItems: -1 })).toThrow('Expected `maxBatchItems` to be a non-negative integer, got -1 (number)');
    expect(() => resolveOptions({ chunkSizeBytes: 5_000_000 })).toThrow('Expected `chunkSizeBytes` between 1 and 1800000, got 5000000');
  });
});
