/**
 * The logs bloom of a receipt (Yellow Paper §4.4.1, M3:2048), computed from its logs.
 *
 * Why: a receipt's bloom is 256 bytes, more than half of a typical stored receipt, and it
 * is a function of the receipt's logs. The schema stores it only when it differs from
 * {@link logsBloom} of the logs, and recomputes it on read.
 */
import { bytesToHex, hexToBytes, keccak256, type Hex } from 'viem';

/** Bytes in a logs bloom (2048 bits). */
const BLOOM_BYTES = 256;

/**
 * Hashes of recent addresses and topics. The same few recur in most logs (a popular
 * token's address, the Transfer topic, active holders), and keccak in JavaScript is most
 * of the cost of a bloom. Cleared when full, which bounds it to about 2 MB.
 */
const hashes = new Map<string, Uint8Array>();
const MAX_CACHED_HASHES = 10_000;

/** The bloom of `logs`: each address and topic sets 3 of the 2048 bits. */
export function logsBloom(logs: ReadonlyArray<{ address: string; topics: readonly string[] }>): Hex {
  const bloom = new Uint8Array(BLOOM_BYTES);
  for (const log of logs) {
    for (const item of [log.address, ...log.topics]) {
      const hash = keccakOf(item.toLowerCase() as Hex);
      for (let i = 0; i < 6; i += 2) {
        const bit = ((hash[i] << 8) | hash[i + 1]) & 2047;
        bloom[BLOOM_BYTES - 1 - (bit >> 3)] |= 1 << (bit & 7);
      }
    }
  }
  return bytesToHex(bloom);
}

function keccakOf(hex: Hex): Uint8Array {
  let hash = hashes.get(hex);
  if (!hash) {
    if (hashes.size >= MAX_CACHED_HASHES) hashes.clear();
    hashes.set(hex, (hash = keccak256(hexToBytes(hex), 'bytes')));
  }
  return hash;
}
