import { Principal } from '@dfinity/principal';

/** The management canister `aaaaa-aa` (the empty principal). */
export const MANAGEMENT_CANISTER = Principal.managementCanister();

/**
 * The canister id the IC mints from a 64-bit number: 8 bytes big-endian, then 0x01 0x01
 * (dfinity/ic `CanisterId::from_u64`). For example 0 → `rwlgt-iiaaa-aaaaa-aaaaa-cai`.
 */
export function canisterIdFromU64(n: bigint): Principal {
  const bytes = new Uint8Array(10);
  new DataView(bytes.buffer).setBigUint64(0, n);
  bytes[8] = 0x01;
  bytes[9] = 0x01;
  return Principal.fromUint8Array(bytes);
}

/** The inverse of {@link canisterIdFromU64}, or undefined for a principal that is not such an id. */
export function canisterIdToU64(id: Principal): bigint | undefined {
  const bytes = id.toUint8Array();
  if (bytes.length !== 10 || bytes[8] !== 0x01 || bytes[9] !== 0x01) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0);
}

/** Hex of a principal's bytes: a cheap, stable map key. */
export function principalKey(p: Principal | Uint8Array): string {
  const bytes = p instanceof Uint8Array ? p : p.toUint8Array();
  return Buffer.from(bytes).toString('hex');
}
