/**
 * Decoding of function bodies into instructions: boundaries, opcodes and the immediates
 * the instrumentation needs (memarg offsets). Covers the instruction set canister
 * toolchains emit (MVP, sign extension, saturating conversions, bulk memory, reference
 * types, tail calls, memory64, multi-memory); SIMD, atomics, exception handling and GC
 * are refused with a clear error rather than mis-decoded.
 */
import { WasmFormatError, WasmReader } from './binary.ts';

/** Opcodes of the 0xFC prefix are numbered `0xFC00 | sub-opcode`. */
export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  returnCall: 0x12,
  returnCallIndirect: 0x13,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  memoryInit: 0xfc08,
  memoryCopy: 0xfc0a,
  memoryFill: 0xfc0b,
  tableCopy: 0xfc0e,
  tableFill: 0xfc11,
} as const;

export interface Instruction {
  /** The opcode (0xFC-prefixed ones as `0xFC00 | sub`). */
  op: number;
  /** Byte range of the whole instruction in the body. */
  start: number;
  end: number;
  /** For loads and stores: the static offset of the memarg. */
  offset?: bigint;
}

export interface FunctionBody {
  /** Local declarations as (count, value type) runs, excluding parameters. */
  locals: Array<{ count: number; type: number }>;
  /** Byte range of the local declarations after their run count (copied verbatim when rewriting). */
  localsStart: number;
  localsEnd: number;
  instructions: Instruction[];
}

/** Decodes a function body (the bytes after its size prefix). */
export function decodeBody(body: Uint8Array): FunctionBody {
  const r = new WasmReader(body);
  const runs = r.u32();
  const localsStart = r.pos;
  const locals: FunctionBody['locals'] = [];
  for (let i = 0; i < runs; i++) locals.push({ count: r.u32(), type: valueType(r) });
  const localsEnd = r.pos;
  const instructions: Instruction[] = [];
  while (!r.atEnd) instructions.push(decodeInstruction(r));
  return { locals, localsStart, localsEnd, instructions };
}

function valueType(r: WasmReader): number {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) heapType(r); // (ref null? ht)
  return t;
}

function heapType(r: WasmReader): void {
  const b = r.bytes[r.pos];
  if (b >= 0x69 && b <= 0x74) r.byte(); // abstract heap types
  else r.skipLeb(); // a type index (s33)
}

function blockType(r: WasmReader): void {
  const b = r.bytes[r.pos];
  if (b === 0x40 || (b >= 0x7b && b <= 0x7f) || b === 0x70 || b === 0x6f) r.byte();
  else if (b === 0x63 || b === 0x64) valueType(r);
  else r.skipLeb();
}

function memarg(r: WasmReader): bigint {
  const align = r.u32();
  if (align & 0x40) r.u32(); // memory index (multi-memory)
  return r.u64();
}

function decodeInstruction(r: WasmReader): Instruction {
  const start = r.pos;
  const b = r.byte();
  let op = b;
  let offset: bigint | undefined;
  if (b >= 0x28 && b <= 0x3e) {
    offset = memarg(r);
  } else {
    switch (b) {
      case 0x02:
      case 0x03:
      case 0x04:
        blockType(r);
        break;
      case 0x0c:
      case 0x0d:
      case 0x10:
      case 0x12:
      case 0x14:
      case 0x15:
      case 0x20:
      case 0x21:
      case 0x22:
      case 0x23:
      case 0x24:
      case 0x25:
      case 0x26:
      case 0x3f:
      case 0x40:
      case 0xd2:
      case 0xd4:
      case 0xd6:
        r.u32();
        break;
      case 0x0e: {
        const n = r.u32();
        for (let i = 0; i <= n; i++) r.u32();
        break;
      }
      case 0x11:
      case 0x13:
        r.u32();
        r.u32();
        break;
      case 0x1c: {
        const n = r.u32();
        for (let i = 0; i < n; i++) valueType(r);
        break;
      }
      case 0x41:
      case 0x42:
        r.skipLeb();
        break;
      case 0x43:
        r.take(4);
        break;
      case 0x44:
        r.take(8);
        break;
      case 0xd0:
        heapType(r);
        break;
      case 0xfc: {
        const sub = r.u32();
        op = 0xfc00 | sub;
        if (sub <= 7) break; // saturating truncations
        switch (sub) {
          case 8: // memory.init data mem
          case 10: // memory.copy dst src
          case 12: // table.init elem table
          case 14: // table.copy dst src
            r.u32();
            r.u32();
            break;
          case 9: // data.drop
          case 11: // memory.fill
          case 13: // elem.drop
          case 15: // table.grow
          case 16: // table.size
          case 17: // table.fill
            r.u32();
            break;
          default:
            throw new WasmFormatError(`unsupported instruction 0xfc ${sub} at byte ${start}`);
        }
        break;
      }
      default:
        if (!isPlain(b)) throw new WasmFormatError(`unsupported instruction 0x${b.toString(16)} at byte ${start} (SIMD, atomics, exceptions and GC are not supported)`);
    }
  }
  return offset === undefined ? { op, start, end: r.pos } : { op, start, end: r.pos, offset };
}

/** Opcodes without immediates. */
function isPlain(b: number): boolean {
  return b === 0x00 || b === 0x01 || b === 0x05 || b === 0x0b || b === 0x0f || b === 0x1a || b === 0x1b || (b >= 0x45 && b <= 0xc4) || b === 0xd1 || b === 0xd3 || b === 0xd5;
}

/** Stores: opcode → bytes written and the value type on the stack. */
export const STORES: ReadonlyMap<number, { bytes: number; valueType: number }> = new Map([
  [0x36, { bytes: 4, valueType: 0x7f }],
  [0x37, { bytes: 8, valueType: 0x7e }],
  [0x38, { bytes: 4, valueType: 0x7d }],
  [0x39, { bytes: 8, valueType: 0x7c }],
  [0x3a, { bytes: 1, valueType: 0x7f }],
  [0x3b, { bytes: 2, valueType: 0x7f }],
  [0x3c, { bytes: 1, valueType: 0x7e }],
  [0x3d, { bytes: 2, valueType: 0x7e }],
  [0x3e, { bytes: 4, valueType: 0x7e }],
]);

/** Costs that differ from the default of 1 (float ops, conversions; opcode → IC instructions). */
const COSTS = new Map<number, number>([
  // integer division and remainder
  ...[0x6d, 0x6e, 0x6f, 0x70, 0x7f, 0x80, 0x81, 0x82].map((op) => [op, 10] as const),
  // float comparisons
  ...[0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66].map((op) => [op, 3] as const),
  // f32: ceil floor trunc nearest sqrt add sub mul div min max copysign
  [0x8d, 2], [0x8e, 2], [0x8f, 2], [0x90, 2], [0x91, 5], [0x92, 2], [0x93, 2], [0x94, 2], [0x95, 3], [0x96, 18], [0x97, 18], [0x98, 2],
  // f64: ceil floor trunc nearest sqrt add sub mul div min max copysign
  [0x9b, 2], [0x9c, 2], [0x9d, 2], [0x9e, 2], [0x9f, 8], [0xa0, 2], [0xa1, 2], [0xa2, 2], [0xa3, 5], [0xa4, 18], [0xa5, 18], [0xa6, 3],
  // float → int truncations, int → float conversions
  ...[0xa8, 0xa9, 0xaa, 0xab, 0xae, 0xaf, 0xb0, 0xb1].map((op) => [op, 20] as const),
  [0xb2, 3], [0xb3, 16], [0xb4, 3], [0xb5, 16], [0xb7, 3], [0xb8, 16], [0xb9, 3], [0xba, 16],
  ...[0xfc00, 0xfc01, 0xfc02, 0xfc03, 0xfc04, 0xfc05, 0xfc06, 0xfc07].map((op) => [op, 20] as const),
  [0x23, 2], [0x24, 2], // global.get/set
  [0x25, 5], [0x26, 5], // table.get/set
  [Op.memoryGrow, 300], [0xfc0f, 300], // memory.grow, table.grow
  [Op.memorySize, 20], [0xfc10, 100], // memory.size, table.size
  [Op.memoryInit, 100], [Op.memoryCopy, 100], [Op.memoryFill, 100], [0xfc0c, 100], [Op.tableCopy, 100], [Op.tableFill, 100],
  [0xfc09, 300], [0xfc0d, 300], // data.drop, elem.drop
  [Op.call, 5], [Op.callIndirect, 10], [Op.returnCall, 3], [Op.returnCallIndirect, 60],
  [Op.if, 2], [Op.br, 2], [Op.brIf, 2], [Op.brTable, 2],
  [0xd1, 5], [0xd2, 130], // ref.is_null, ref.func
  [Op.block, 0], [Op.loop, 0], [Op.else, 0], [Op.end, 0],
]);

/**
 * Cost of an instruction in IC instructions, as the IC's metering assigns them
 * (dfinity/ic `rs/embedders/src/wasm_utils/instrumentation.rs`, `instruction_to_cost`):
 * block markers 0, most instructions 1, division 10, loads and stores 2 in wasm64 (1 in
 * wasm32), calls 5, bulk memory 100 plus its size at run time, memory.grow 300.
 */
export function instructionCost(op: number, memory64: boolean): number {
  if (op >= 0x28 && op <= 0x3e) return memory64 ? 2 : 1;
  return COSTS.get(op) ?? 1;
}
