import { describe, expect, it } from 'vitest';
import { decodeKey } from '../sharding/index.ts';
import { InvalidKeyError, KeyTooLargeError } from './errors/index.ts';
import { storedKey, userKey } from './keys.ts';

describe('keys', () => {
  it('stores a string key as a partition with no sort key, and hands it back as text', () => {
    const stored = storedKey('users', 'alice');
    expect(decodeKey(stored)).toMatchObject({ collection: 'users', sort: new Uint8Array() });
    expect(userKey(stored, 'text')).toBe('alice');
  });

  it('orders numeric sort keys numerically (8-byte big-endian)', () => {
    const a = storedKey('logs', { partition: 'x', sort: 9n });
    const b = storedKey('logs', { partition: 'x', sort: 10n });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBeLessThan(0);
  });

  it('hands back partition and sort for keys with a sort key, as bytes when asked', () => {
    const stored = storedKey('logs', { partition: new Uint8Array([1, 2]), sort: 'b' });
    expect(userKey(stored, 'bytes')).toEqual({ partition: new Uint8Array([1, 2]), sort: new TextEncoder().encode('b') });
  });

  it('raises typed errors for bad keys', () => {
    expect(() => storedKey('users', 'x'.repeat(1025))).toThrow(KeyTooLargeError);
    expect(() => storedKey('', 'x')).toThrow(InvalidKeyError);
    expect(() => storedKey('logs', { partition: 'x', sort: -1 })).toThrow('must be non-negative');
  });
});
