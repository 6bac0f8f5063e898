/**
 * Byte-level reading and writing of the WebAssembly binary format (LEB128 integers,
 * names, vectors). Hand-written because the only libraries that parse memory64 and
 * table64 modules (binaryen, wabt) are multi-megabyte toolchains, and this replica
 * needs a few hundred lines of section surgery, not a compiler.
 */
import { concatBytes } from '@noble/hashes/utils';

export class WasmReader {
  pos: number;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  byte(): number {
    if (this.pos >= this.bytes.length) throw new WasmFormatError(`unexpected end of module at byte ${this.pos}`);
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128 that fits a JS number (section sizes, indices, counts). */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new WasmFormatError(`LEB128 too long at byte ${this.pos}`);
    }
  }

  /** Unsigned LEB128 as a bigint (memory64 limits). */
  u64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  /** Skips a signed or unsigned LEB128 of any width. */
  skipLeb(): void {
    while (this.byte() & 0x80);
  }

  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new WasmFormatError(`unexpected end of module at byte ${this.pos}`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
}

export class WasmWriter {
  #chunks: number[] = [];

  byte(b: number): this {
    this.#chunks.push(b & 0xff);
    return this;
  }

  u32(value: number): this {
    let v = value;
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.#chunks.push(b);
    } while (v !== 0);
    return this;
  }

  u64(value: bigint): this {
    let v = value;
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      this.#chunks.push(b);
    } while (v !== 0n);
    return this;
  }

  /** Signed LEB128 (i32.const / i64.const immediates). */
  s64(value: bigint): this {
    let v = value;
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.#chunks.push(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  bytes(data: Uint8Array): this {
    for (const b of data) this.#chunks.push(b);
    return this;
  }

  name(text: string): this {
    const utf8 = new TextEncoder().encode(text);
    return this.u32(utf8.length).bytes(utf8);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }
}

export class WasmFormatError extends Error {
  override name = 'WasmFormatError';
}

export const SectionId = {
  Custom: 0,
  Type: 1,
  Import: 2,
  Function: 3,
  Table: 4,
  Memory: 5,
  Global: 6,
  Export: 7,
  Start: 8,
  Element: 9,
  Code: 10,
  Data: 11,
  DataCount: 12,
} as const;

export interface Section {
  id: number;
  /** The section payload, without id and size. */
  payload: Uint8Array;
}

const MAGIC_AND_VERSION = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/** Splits a module into its sections, in order. */
export function readSections(module: Uint8Array): Section[] {
  for (let i = 0; i < 8; i++) {
    if (module[i] !== MAGIC_AND_VERSION[i]) throw new WasmFormatError('not a WebAssembly module (bad magic or version)');
  }
  const r = new WasmReader(module, 8);
  const sections: Section[] = [];
  while (!r.atEnd) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, payload: r.take(size) });
  }
  return sections;
}

export function writeSections(sections: Section[]): Uint8Array {
  const parts: Uint8Array[] = [MAGIC_AND_VERSION];
  for (const s of sections) {
    parts.push(new WasmWriter().byte(s.id).u32(s.payload.length).finish(), s.payload);
  }
  return concatBytes(...parts);
}

/** The name of a custom section (section id 0), or undefined for other sections. */
export function customSectionName(section: Section): string | undefined {
  if (section.id !== SectionId.Custom) return undefined;
  return new WasmReader(section.payload).name();
}

/** Skips a constant expression (global initialisers, segment offsets) up to and including its `end`. */
export function skipConstExpr(r: WasmReader): void {
  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x0b:
        return; // end
      case 0x41: // i32.const
      case 0x42: // i64.const
      case 0x23: // global.get
      case 0xd2: // ref.func
        r.skipLeb();
        break;
      case 0x43:
        r.take(4);
        break;
      case 0x44:
        r.take(8);
        break;
      case 0xd0: // ref.null t
        r.byte();
        break;
      case 0x6a: case 0x6b: case 0x6c: // i32 add/sub/mul (extended const)
      case 0x7c: case 0x7d: case 0x7e: // i64 add/sub/mul
        break;
      default:
        throw new WasmFormatError(`unsupported opcode 0x${op.toString(16)} in constant expression`);
    }
  }
}
