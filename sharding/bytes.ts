/**
 * Byte helpers shared by the sharding modules: bytewise order, big-endian integers, hex
 * (concatenation is @noble/hashes' `concatBytes`). Internal; only {@link compareBytes} is part of the public API.
 */

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/**
 * Bytewise (lexicographic, unsigned) order: the order of encoded keys in a data canister's
 * map, so the order of range scans. A proper prefix sorts before its extensions.
 * @returns negative, zero or positive, like `Array.prototype.sort` expects.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** `value` as 2 big-endian bytes. REQUIRES: 0 ≤ value < 2^16, an integer. */
export function u16be(value: number): Uint8Array {
  return Uint8Array.of(value >>> 8, value & 0xff);
}

/** Lowercase hex, two digits per byte. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Parses lowercase or uppercase hex with an even number of digits. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError(`Expected an even number of hex digits, got ${JSON.stringify(hex)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
