/**
 * Rewrites a prepared module's code so that the replica can (1) count instructions as
 * the IC does and stop a message at its limit, and (2) roll a message back at a cost
 * proportional to the memory it changed, not to the canister's size.
 *
 * Instruction metering (the IC's scheme, dfinity/ic `wasm_utils/instrumentation.rs`):
 *  1. Code is cut into straight-line segments after `loop`, `if`, `else`, `br`, `br_if`,
 *     `br_table`, `end`, `return`, `unreachable` and tail calls. Each segment starts by
 *     adding its static cost ({@link instructionCost}) to the global `__bigmap_instructions`.
 *  2. At function entry and at each loop header the counter is compared with
 *     `__bigmap_instruction_limit`; past it the code executes `unreachable`, and the
 *     replica reports the trap as IC0522 (the counter shows the limit was passed).
 *  3. `memory.fill`, `memory.copy` and `memory.init` also add their size operand.
 *
 * Dirty-page journal (two memories the replica imports, `env.__bigmap_dirty` and
 * `env.__bigmap_undo`, with the main memory's address type):
 *  4. Before every store and every `memory.fill/copy/init`, the module calls an injected
 *     function `touch(start, length)` (for a store, only when the bitmap bytes of its
 *     first and last page are not both set: an inline check). For each 64 KiB page in the
 *     range whose byte in the dirty bitmap is 0, touch sets the byte, appends the page
 *     number to the dirty list and copies the page into the undo memory (growing it as
 *     needed), all inside wasm.
 *  5. The replica undoes a message by copying the listed pages back, and commits it by
 *     clearing their bitmap bytes: both cost what the message wrote.
 *
 * Logical memory size:
 *  6. `memory.size` and `memory.grow` are replaced by calls to injected functions over the
 *     global `__bigmap_memory_pages`: the size the canister sees. `memory.grow` grows the
 *     real memory only past what it already has. A rollback restores the global like any
 *     other, so memory that grew in a rolled-back message is invisible again, at no copy
 *     (real memory cannot shrink; its extra pages are zeros, as new pages are).
 *
 * Layout of the dirty memory: bitmap at [0, {@link BITMAP_BYTES}), the count of listed
 * pages at {@link COUNT_OFFSET}, the list (8 bytes per entry) from {@link LIST_OFFSET}.
 * Page k of the list is saved at undo offset k × 64 KiB.
 *
 * Benchmark-only variants (see ReplicaOptions.instrumentation) keep the module's interface
 * (the same imports, globals, exports and injected functions) and step 6, the logical
 * memory size the replica accounts with, and leave out:
 *  - `unmetered`: steps 1–3 (no instruction counting, no limit checks); the journal stays;
 *  - `none`: steps 1–5 (no journal of wasm stores either).
 * The instruction counter then holds only what the System API charges.
 */
import { SectionId, WasmFormatError, WasmReader, WasmWriter, readSections, writeSections, type Section } from './binary.ts';
import { Op, STORES, decodeBody, instructionCost, type Instruction } from './code.ts';

/** One bitmap byte per 64 KiB page: 16 GiB of main memory (V8's memory64 maximum). */
export const BITMAP_BYTES = 262_144;
export const COUNT_OFFSET = BITMAP_BYTES;
export const LIST_OFFSET = BITMAP_BYTES + 8;
/** Initial size of the dirty memory in pages: bitmap, count and a full list. */
export const DIRTY_MEMORY_PAGES = Math.ceil((LIST_OFFSET + BITMAP_BYTES * 8) / 65536);
export const DIRTY_MEMORY_IMPORT = '__bigmap_dirty';
export const UNDO_MEMORY_IMPORT = '__bigmap_undo';
export const INSTRUCTIONS_EXPORT = '__bigmap_instructions';
export const INSTRUCTION_LIMIT_EXPORT = '__bigmap_instruction_limit';
export const MEMORY_PAGES_EXPORT = '__bigmap_memory_pages';

const I32 = 0x7f;
const I64 = 0x7e;
const F32 = 0x7d;
const F64 = 0x7c;

/** Opcodes that differ by address type. */
interface AddressOps {
  type: number;
  gtU: number;
  const: number;
  add: number;
  sub: number;
  shl: number;
  shrU: number;
  eqz: number;
  eq: number;
  leU: number;
  load: number;
  loadAlign: number;
  store: number;
}
const ADDR64: AddressOps = { type: I64, gtU: 0x56, const: 0x42, add: 0x7c, sub: 0x7d, shl: 0x86, shrU: 0x88, eqz: 0x50, eq: 0x51, leU: 0x58, load: 0x29, loadAlign: 3, store: 0x37 };
const ADDR32: AddressOps = { type: I32, gtU: 0x4b, const: 0x41, add: 0x6a, sub: 0x6b, shl: 0x74, shrU: 0x76, eqz: 0x45, eq: 0x46, leU: 0x4d, load: 0x28, loadAlign: 2, store: 0x36 };

/** `full`: everything above; `unmetered` and `none`: benchmark variants (module comment, last paragraph). */
export type Instrumentation = 'full' | 'unmetered' | 'none';

export interface InstrumentedModule {
  bytes: Uint8Array;
  memory64: boolean;
}

/**
 * Instruments a module that {@link prepareModule} produced (its memory is the import
 * `env.memory`, its start function is exported).
 */
export function instrumentModule(prepared: Uint8Array, instrumentation: Instrumentation = 'full'): InstrumentedModule {
  const sections = readSections(prepared);
  const find = (id: number) => sections.find((s) => s.id === id);

  const types = readFunctionTypes(find(SectionId.Type));
  const imports = readImports(find(SectionId.Import));
  const memory64 = imports.memory64;
  const A = memory64 ? ADDR64 : ADDR32;
  const definedTypes = readFunctionSection(find(SectionId.Function));
  const definedGlobals = countEntries(find(SectionId.Global));

  const touchType = types.length;
  const sizeType = types.length + 1;
  const growType = types.length + 2;
  const touchFunction = imports.functions + definedTypes.length;
  const sizeFunction = touchFunction + 1;
  const growFunction = touchFunction + 2;
  const counterGlobal = imports.globals + definedGlobals;
  const limitGlobal = counterGlobal + 1;
  const pagesGlobal = counterGlobal + 2;

  const memoryType = (pages: number) => new WasmWriter().byte(memory64 ? 0x04 : 0x00).u32(pages).finish();
  const newImports = [
    new WasmWriter().name('env').name(DIRTY_MEMORY_IMPORT).byte(2).bytes(memoryType(DIRTY_MEMORY_PAGES)).finish(),
    new WasmWriter().name('env').name(UNDO_MEMORY_IMPORT).byte(2).bytes(memoryType(1)).finish(),
  ];

  const codeSection = find(SectionId.Code);
  if (!codeSection) throw new WasmFormatError('the module has no code section');
  const cr = new WasmReader(codeSection.payload);
  const bodyCount = cr.u32();
  const bodies: Uint8Array[] = [];
  const ctx: EmitContext = { A, memory64, touchFunction, sizeFunction, growFunction, counterGlobal, limitGlobal, metering: instrumentation === 'full', journal: instrumentation !== 'none' };
  for (let i = 0; i < bodyCount; i++) {
    const size = cr.u32();
    const paramCount = types[definedTypes[i]].params;
    bodies.push(instrumentBody(cr.take(size), paramCount, ctx));
  }
  bodies.push(touchBody(A), sizeBody(pagesGlobal), growBody(A, pagesGlobal));

  const out: Section[] = sections.map((s): Section => {
    switch (s.id) {
      case SectionId.Type:
        return {
          id: s.id,
          payload: appendEntries(s.payload, [
            new WasmWriter().byte(0x60).u32(2).byte(A.type).byte(A.type).u32(0).finish(), // touch
            new WasmWriter().byte(0x60).u32(0).u32(1).byte(A.type).finish(), // memory size
            new WasmWriter().byte(0x60).u32(1).byte(A.type).u32(1).byte(A.type).finish(), // memory grow
          ]),
        };
      case SectionId.Import:
        return { id: s.id, payload: appendEntries(s.payload, newImports) };
      case SectionId.Function:
        return { id: s.id, payload: appendEntries(s.payload, [touchType, sizeType, growType].map((t) => new WasmWriter().u32(t).finish())) };
      case SectionId.Global:
        return { id: s.id, payload: appendEntries(s.payload, newGlobals(A)) };
      case SectionId.Export:
        return {
          id: s.id,
          payload: appendEntries(s.payload, [
            new WasmWriter().name(INSTRUCTIONS_EXPORT).byte(3).u32(counterGlobal).finish(),
            new WasmWriter().name(INSTRUCTION_LIMIT_EXPORT).byte(3).u32(limitGlobal).finish(),
            new WasmWriter().name(MEMORY_PAGES_EXPORT).byte(3).u32(pagesGlobal).finish(),
          ]),
        };
      case SectionId.Code: {
        const w = new WasmWriter().u32(bodies.length);
        for (const b of bodies) w.u32(b.length).bytes(b);
        return { id: s.id, payload: w.finish() };
      }
      default:
        return s;
    }
  });
  if (!find(SectionId.Global)) insertSection(out, { id: SectionId.Global, payload: appendEntries(new WasmWriter().u32(0).finish(), newGlobals(A)) });
  return { bytes: writeSections(out), memory64 };
}

interface EmitContext {
  A: AddressOps;
  memory64: boolean;
  touchFunction: number;
  sizeFunction: number;
  growFunction: number;
  counterGlobal: number;
  limitGlobal: number;
  /** Steps 1–3: instruction counting and limit checks. */
  metering: boolean;
  /** Steps 4–5: the dirty-page journal. (Step 6 is always done.) */
  journal: boolean;
}

interface InjectionPoint {
  position: number;
  cost: number;
  /** Function entry or loop header: also check the limit. */
  reentrant: boolean;
}

/** Where segments start and what each costs (see the module comment, step 1). */
function injectionPoints(instructions: Instruction[], memory64: boolean): InjectionPoint[] {
  const points: InjectionPoint[] = [];
  let current: InjectionPoint = { position: 0, cost: 1, reentrant: true };
  instructions.forEach((ins, i) => {
    current.cost += instructionCost(ins.op, memory64);
    const endsSegment =
      ins.op === Op.loop ||
      ins.op === Op.if ||
      ins.op === Op.else ||
      ins.op === Op.br ||
      ins.op === Op.brIf ||
      ins.op === Op.brTable ||
      ins.op === Op.end ||
      ins.op === Op.return ||
      ins.op === Op.unreachable ||
      ins.op === Op.returnCall ||
      ins.op === Op.returnCallIndirect;
    if (endsSegment) {
      points.push(current);
      current = { position: i + 1, cost: 0, reentrant: ins.op === Op.loop };
    }
  });
  return points.filter((p) => p.reentrant || p.cost > 0);
}

function instrumentBody(body: Uint8Array, paramCount: number, ctx: EmitContext): Uint8Array {
  const { A } = ctx;
  const { locals, localsStart, localsEnd, instructions } = decodeBody(body);
  const base = paramCount + locals.reduce((n, l) => n + l.count, 0);
  const L = { addr: base, src: base + 1, n: base + 2, i32: base + 3, i64: base + 4, f32: base + 5, f64: base + 6, i32b: base + 7, ea: base + 8 };
  const valueLocal: Record<number, number> = { [I32]: L.i32, [I64]: L.i64, [F32]: L.f32, [F64]: L.f64 };

  const w = new WasmWriter();
  w.u32(locals.length + 9).bytes(body.subarray(localsStart, localsEnd));
  for (const t of [A.type, A.type, A.type, I32, I64, F32, F64, I32, A.type]) w.u32(1).byte(t);

  const addCost = (emitAmount: () => void) => {
    if (!ctx.metering) return;
    w.byte(0x23).u32(ctx.counterGlobal);
    emitAmount();
    w.byte(0x7c).byte(0x24).u32(ctx.counterGlobal); // i64.add, global.set
  };
  const constA = (v: bigint) => w.byte(A.const).s64(A === ADDR64 ? BigInt.asIntN(64, v) : BigInt.asIntN(32, v));
  const get = (l: number) => w.byte(0x20).u32(l);
  const set = (l: number) => w.byte(0x21).u32(l);
  const tee = (l: number) => w.byte(0x22).u32(l);
  const touch = () => w.byte(0x10).u32(ctx.touchFunction);
  /** Replaces an address on the stack by its page's bitmap byte (i32). */
  const bitmapByte = () => {
    constA(16n);
    w.byte(A.shrU);
    w.byte(0x2d).u32(0x40).u32(1).u32(0); // i32.load8_u from memory 1
  };
  const extendToI64 = (when: boolean) => {
    if (when) w.byte(0xad); // i64.extend_i32_u
  };

  const points = ctx.metering ? injectionPoints(instructions, ctx.memory64) : [];
  let next = 0;
  for (let i = 0; i < instructions.length; i++) {
    while (next < points.length && points[next].position === i) {
      const p = points[next++];
      addCost(() => w.byte(0x42).s64(BigInt(p.cost)));
      if (p.reentrant) {
        w.byte(0x23).u32(ctx.counterGlobal).byte(0x23).u32(ctx.limitGlobal).byte(0x56); // i64.gt_u
        w.byte(0x04).byte(0x40).byte(0x00).byte(0x0b); // if unreachable end
      }
    }
    const ins = instructions[i];
    const original = body.subarray(ins.start, ins.end);
    if (!ctx.journal && ins.op !== Op.memorySize && ins.op !== Op.memoryGrow) {
      w.bytes(original);
      continue;
    }
    const store = STORES.get(ins.op);
    if (store) {
      // Fast path inline: if the bitmap bytes of the first and last page written are both
      // set, the pages are already saved; otherwise call touch.
      set(valueLocal[store.valueType]);
      tee(L.addr);
      if (ins.offset) {
        constA(ins.offset);
        w.byte(A.add);
      }
      tee(L.ea);
      bitmapByte();
      if (store.bytes > 1) {
        get(L.ea);
        constA(BigInt(store.bytes - 1));
        w.byte(A.add);
        bitmapByte();
        w.byte(0x71); // i32.and
      }
      w.byte(0x45).byte(0x04).byte(0x40); // i32.eqz, if
      get(L.ea);
      constA(BigInt(store.bytes));
      touch();
      w.byte(0x0b);
      get(L.addr);
      get(valueLocal[store.valueType]);
    } else if (ins.op === Op.memoryFill || ins.op === Op.memoryCopy) {
      set(L.n);
      set(ins.op === Op.memoryFill ? L.i32 : L.src);
      tee(L.addr);
      get(L.n);
      touch();
      addCost(() => {
        get(L.n);
        extendToI64(A === ADDR32);
      });
      get(L.addr);
      get(ins.op === Op.memoryFill ? L.i32 : L.src);
      get(L.n);
    } else if (ins.op === Op.memorySize || ins.op === Op.memoryGrow) {
      // The canister's own view of its size (module comment, step 6).
      w.byte(0x10).u32(ins.op === Op.memorySize ? ctx.sizeFunction : ctx.growFunction);
      continue;
    } else if (ins.op === Op.memoryInit) {
      set(L.i32b); // size (i32)
      set(L.i32); // source offset in the segment (i32)
      tee(L.addr);
      get(L.i32b);
      extendToI64(A === ADDR64);
      touch();
      addCost(() => {
        get(L.i32b);
        extendToI64(true);
      });
      get(L.addr);
      get(L.i32);
      get(L.i32b);
    }
    w.bytes(original);
  }
  return w.finish();
}

/** The injected `touch(start, length)` (module comment, step 4). Not itself instrumented. */
function touchBody(A: AddressOps): Uint8Array {
  const w = new WasmWriter();
  const [start, len, p, last, k] = [0, 1, 2, 3, 4];
  const c = (v: bigint) => w.byte(A.const).s64(v);
  const get = (l: number) => w.byte(0x20).u32(l);
  const set = (l: number) => w.byte(0x21).u32(l);
  const mem1 = (op: number, align: number, offset: number) => w.byte(op).u32(align | 0x40).u32(1).u32(offset);
  w.u32(1).u32(3).byte(A.type); // three locals: p, last, k
  // if (len == 0) return
  get(len).byte(A.eqz).byte(0x04).byte(0x40).byte(0x0f).byte(0x0b);
  // p = start >> 16; last = (start + len - 1) >> 16
  get(start); c(16n); w.byte(A.shrU); set(p);
  get(start); get(len); w.byte(A.add); c(1n); w.byte(A.sub); c(16n); w.byte(A.shrU); set(last);
  w.byte(0x03).byte(0x40); // loop
  get(p); mem1(0x2d, 0, 0); w.byte(0x45); // i32.load8_u bitmap[p]; i32.eqz
  w.byte(0x04).byte(0x40); // if
  get(p); w.byte(0x41).s64(1n); mem1(0x3a, 0, 0); // bitmap[p] = 1
  c(0n); mem1(A.load, A.loadAlign, COUNT_OFFSET); set(k); // k = count
  get(k); c(3n); w.byte(A.shl); get(p); mem1(A.store, A.loadAlign, LIST_OFFSET); // list[k] = p
  // if (memory.size(undo) <= k) grow undo by k + 1 pages, trap if that fails
  w.byte(0x3f).u32(2); get(k); w.byte(A.leU);
  w.byte(0x04).byte(0x40);
  get(k); c(1n); w.byte(A.add); w.byte(0x40).u32(2); c(-1n); w.byte(A.eq);
  w.byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
  w.byte(0x0b);
  // undo[k << 16 ..] = memory[p << 16 ..] (64 KiB)
  get(k); c(16n); w.byte(A.shl); get(p); c(16n); w.byte(A.shl); c(65536n);
  w.byte(0xfc).u32(10).u32(2).u32(0);
  // count = k + 1
  c(0n); get(k); c(1n); w.byte(A.add); mem1(A.store, A.loadAlign, COUNT_OFFSET);
  w.byte(0x0b); // end if
  // p += 1; continue while p <= last
  get(p); c(1n); w.byte(A.add); w.byte(0x22).u32(p); get(last); w.byte(A.leU); w.byte(0x0d).u32(0);
  w.byte(0x0b); // end loop
  w.byte(0x0b); // end function
  return w.finish();
}

function mutableI64Global(init: bigint): Uint8Array {
  return new WasmWriter().byte(I64).byte(1).byte(0x42).s64(init).byte(0x0b).finish();
}

/** Instruction counter, instruction limit, logical memory size in pages (set by the replica). */
function newGlobals(A: AddressOps): Uint8Array[] {
  const pages = new WasmWriter().byte(A.type).byte(1).byte(A.const).s64(0n).byte(0x0b).finish();
  return [mutableI64Global(0n), mutableI64Global(-1n), pages];
}

/** `memory.size` as the canister sees it. */
function sizeBody(pagesGlobal: number): Uint8Array {
  return new WasmWriter().u32(0).byte(0x23).u32(pagesGlobal).byte(0x0b).finish();
}

/**
 * `memory.grow(delta)` as the canister sees it: grows the logical size, and the real
 * memory only where it is smaller; -1 if the real memory cannot grow.
 */
function growBody(A: AddressOps, pagesGlobal: number): Uint8Array {
  const w = new WasmWriter();
  const [delta, old, wanted] = [0, 1, 2];
  const c = (v: bigint) => w.byte(A.const).s64(v);
  w.u32(1).u32(2).byte(A.type); // locals: old, wanted
  w.byte(0x23).u32(pagesGlobal).byte(0x22).u32(old); // old = pages
  w.byte(0x20).u32(delta).byte(A.add).byte(0x21).u32(wanted); // wanted = old + delta
  w.byte(0x20).u32(wanted).byte(0x3f).u32(0).byte(A.gtU); // wanted > real size?
  w.byte(0x04).byte(0x40);
  w.byte(0x20).u32(wanted).byte(0x3f).u32(0).byte(A.sub).byte(0x40).u32(0); // memory.grow(wanted - real)
  c(-1n);
  w.byte(A.eq).byte(0x04).byte(0x40);
  c(-1n);
  w.byte(0x0f).byte(0x0b); // return -1
  w.byte(0x0b);
  w.byte(0x20).u32(wanted).byte(0x24).u32(pagesGlobal); // pages = wanted
  w.byte(0x20).u32(old);
  w.byte(0x0b);
  return w.finish();
}

function appendEntries(payload: Uint8Array, entries: Uint8Array[]): Uint8Array {
  const r = new WasmReader(payload);
  const count = r.u32();
  const w = new WasmWriter().u32(count + entries.length).bytes(payload.subarray(r.pos));
  for (const e of entries) w.bytes(e);
  return w.finish();
}

function insertSection(sections: Section[], section: Section): void {
  const at = sections.findIndex((s) => s.id !== SectionId.Custom && s.id > section.id);
  sections.splice(at < 0 ? sections.length : at, 0, section);
}

function countEntries(section: Section | undefined): number {
  return section ? new WasmReader(section.payload).u32() : 0;
}

function readFunctionTypes(section: Section | undefined): Array<{ params: number }> {
  if (!section) return [];
  const r = new WasmReader(section.payload);
  const count = r.u32();
  const out: Array<{ params: number }> = [];
  for (let i = 0; i < count; i++) {
    if (r.byte() !== 0x60) throw new WasmFormatError('only plain function types are supported (no GC type definitions)');
    const params = r.u32();
    for (let j = 0; j < params; j++) valueTypeSkip(r);
    const results = r.u32();
    for (let j = 0; j < results; j++) valueTypeSkip(r);
    out.push({ params });
  }
  return out;
}

function valueTypeSkip(r: WasmReader): void {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.skipLeb();
}

function readFunctionSection(section: Section | undefined): number[] {
  if (!section) return [];
  const r = new WasmReader(section.payload);
  const count = r.u32();
  return Array.from({ length: count }, () => r.u32());
}

function readImports(section: Section | undefined): { functions: number; globals: number; memory64: boolean } {
  let functions = 0;
  let globals = 0;
  let memory64: boolean | undefined;
  if (section) {
    const r = new WasmReader(section.payload);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === 0) {
        r.u32();
        functions++;
      } else if (kind === 1) {
        r.byte();
        skipLimits(r);
      } else if (kind === 2) {
        const flags = r.bytes[r.pos];
        skipLimits(r);
        if (memory64 === undefined) memory64 = (flags & 0x04) !== 0;
      } else if (kind === 3) {
        r.byte();
        r.byte();
        globals++;
      } else {
        r.byte();
        r.u32();
      }
    }
  }
  if (memory64 === undefined) throw new WasmFormatError('instrumentation needs the prepared module (memory imported as env.memory)');
  return { functions, globals, memory64 };
}

function skipLimits(r: WasmReader): void {
  const flags = r.byte();
  r.skipLeb();
  if (flags & 0x01) r.skipLeb();
}
