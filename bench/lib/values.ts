/**
 * Benchmark values from a seed: slices of one seeded random buffer, each with its item
 * number in its first 4 bytes, so two items never share a value and a value read back
 * under the wrong key is caught.
 */
import { seededRandom } from './random.ts';

/** Offsets into the random buffer that values start at (`item mod OFFSETS`). */
const OFFSETS = 256;

export class SeededValues {
  readonly #random: Uint8Array;

  constructor(seed: number, maxValueBytes: number) {
    const random = seededRandom(seed);
    this.#random = new Uint8Array(maxValueBytes + OFFSETS);
    const words = new DataView(this.#random.buffer);
    for (let i = 0; i + 4 <= this.#random.length; i += 4) words.setUint32(i, Math.floor(random() * 2 ** 32));
  }

  /** Item `item`'s value of `bytes` bytes. REQUIRES: 4 ≤ bytes ≤ maxValueBytes. */
  value(item: number, bytes: number): Uint8Array {
    const offset = item % OFFSETS;
    const value = this.#random.slice(offset, offset + bytes);
    new DataView(value.buffer).setUint32(0, item);
    return value;
  }
}
