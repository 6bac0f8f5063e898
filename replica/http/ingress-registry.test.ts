import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';
import { DONE_RETENTION_NANOS, IngressRegistry } from './ingress-registry.ts';

const origin = (expiryNanos: bigint) => ({ sender: Principal.anonymous(), receiver: Principal.managementCanister(), expiryNanos });

describe('IngressRegistry', () => {
  it('is shared by everything that asks for the same replica, and separate per replica', () => {
    const replica = {};
    expect(IngressRegistry.of(replica)).toBe(IngressRegistry.of(replica));
    expect(IngressRegistry.of({})).not.toBe(IngressRegistry.of(replica));
  });

  it('forgets a message once it is past expiry plus the retention, oldest first', () => {
    const registry = new IngressRegistry();
    registry.record('old', origin(100n), 0n);
    registry.record('young', origin(1_000n), 0n);
    registry.record('new', origin(2_000n), 100n + DONE_RETENTION_NANOS + 1n);
    expect(registry.get('old')).toBeUndefined();
    expect(registry.get('young')).toEqual(origin(1_000n));
    expect(registry.get('new')).toEqual(origin(2_000n));
  });

  it('keeps a message that expired within the retention', () => {
    const registry = new IngressRegistry();
    registry.record('a', origin(100n), 0n);
    registry.record('b', origin(200n), 100n + DONE_RETENTION_NANOS);
    expect(registry.get('a')).toEqual(origin(100n));
  });
});
