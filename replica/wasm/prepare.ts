/**
 * Rewrites a canister module at install time so the replica can roll executions back,
 * keep memory across upgrades and call closures:
 *
 *  1. The module's own memory becomes the import `env.memory` (memory index 0 is
 *     unchanged, so no code needs rewriting). The replica owns the `WebAssembly.Memory`,
 *     hands the same memory to the next module on an upgrade with
 *     `wasm_memory_persistence = keep`, and fills a new one when it restores a checkpoint.
 *  2. Every mutable global is exported (`__bigmap_global_<index>`), so its value can be
 *     saved before an execution and restored after a trap (V8 cannot snapshot an instance).
 *  3. The start function is removed from the start section and exported
 *     (`__bigmap_start`): the replica runs it once per install or upgrade, not on every
 *     re-instantiation after a rollback.
 *
 *  4. Table 0 is exported (`__bigmap_table`) so callbacks can be looked up by index.
 *
 * Motoko emits passive data segments, so instantiating against an existing memory never
 * overwrites it; active segments are still allowed (they are applied at instantiation,
 * as on the IC).
 */
import {
  SectionId,
  WasmFormatError,
  WasmReader,
  WasmWriter,
  customSectionName,
  readSections,
  skipConstExpr,
  writeSections,
  type Section,
} from './binary.ts';

export const START_EXPORT = '__bigmap_start';
export const GLOBAL_EXPORT_PREFIX = '__bigmap_global_';
export const TABLE_EXPORT = '__bigmap_table';
export const MEMORY_IMPORT = { module: 'env', name: 'memory' } as const;

export interface MemoryType {
  /** True when the memory is indexed with i64 (memory64, what Motoko emits). */
  memory64: boolean;
  /** Initial size in 64 KiB pages. */
  minPages: bigint;
  /** Maximum size in 64 KiB pages, if the module declares one. */
  maxPages?: bigint;
}

export interface PreparedModule {
  /** The rewritten module, ready for `new WebAssembly.Module`. */
  bytes: Uint8Array;
  memory: MemoryType;
  /** Export names of the mutable globals, in global index order. */
  mutableGlobalExports: string[];
  /** Whether the module had a start function (exported as {@link START_EXPORT}). */
  hasStart: boolean;
  /** Whether table 0 (exported as {@link TABLE_EXPORT}, for callbacks) is indexed with i64. */
  table64: boolean;
  /** Custom sections by name, e.g. `icp:public candid:service`. */
  customSections: Map<string, Uint8Array>;
}

const IMPORT_KIND = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;
const EXPORT_KIND_FUNC = 0;
const EXPORT_KIND_TABLE = 1;
const EXPORT_KIND_GLOBAL = 3;

/**
 * Rewrites `wasm` as described in the module comment.
 * @throws WasmFormatError if the module is malformed, imports a memory, or has no memory.
 */
export function prepareModule(wasm: Uint8Array): PreparedModule {
  const sections = readSections(wasm);
  const find = (id: number) => sections.find((s) => s.id === id);

  let importedGlobals = 0;
  const importEntries: Uint8Array[] = [];
  const importSection = find(SectionId.Import);
  if (importSection) {
    const r = new WasmReader(importSection.payload);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const start = r.pos;
      r.name();
      r.name();
      const kind = r.byte();
      switch (kind) {
        case IMPORT_KIND.func:
          r.u32();
          break;
        case IMPORT_KIND.table:
          r.byte();
          readLimits(r);
          break;
        case IMPORT_KIND.memory:
          throw new WasmFormatError('a canister module must define its memory, not import it');
        case IMPORT_KIND.global:
          r.byte();
          r.byte();
          importedGlobals++;
          break;
        case IMPORT_KIND.tag:
          r.byte();
          r.u32();
          break;
        default:
          throw new WasmFormatError(`unknown import kind ${kind}`);
      }
      importEntries.push(importSection.payload.subarray(start, r.pos));
    }
  }

  const memorySection = find(SectionId.Memory);
  if (!memorySection) throw new WasmFormatError('the module defines no memory');
  const mr = new WasmReader(memorySection.payload);
  if (mr.u32() !== 1) throw new WasmFormatError('a canister module must define exactly one memory');
  const memTypeStart = mr.pos;
  const memory = readLimits(mr);
  const memTypeBytes = memorySection.payload.subarray(memTypeStart, mr.pos);

  const mutableGlobalIndices: number[] = [];
  const globalSection = find(SectionId.Global);
  if (globalSection) {
    const r = new WasmReader(globalSection.payload);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.byte(); // value type
      const mutable = r.byte() === 1;
      skipConstExpr(r);
      if (mutable) mutableGlobalIndices.push(importedGlobals + i);
    }
  }

  const tableSection = find(SectionId.Table);
  let table64 = false;
  if (tableSection) {
    const r = new WasmReader(tableSection.payload);
    if (r.u32() > 0) {
      r.byte(); // reference type
      table64 = readLimits(r).memory64;
    }
  }

  const startSection = find(SectionId.Start);
  const startFunction = startSection ? new WasmReader(startSection.payload).u32() : undefined;

  const memoryImport = new WasmWriter()
    .name(MEMORY_IMPORT.module)
    .name(MEMORY_IMPORT.name)
    .byte(IMPORT_KIND.memory)
    .bytes(memTypeBytes)
    .finish();
  const newImport = new WasmWriter().u32(importEntries.length + 1);
  for (const e of importEntries) newImport.bytes(e);
  newImport.bytes(memoryImport);

  const exportSection = find(SectionId.Export);
  const exportEntries: Uint8Array[] = [];
  if (exportSection) {
    const r = new WasmReader(exportSection.payload);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const start = r.pos;
      r.name();
      r.byte(); // kind: a memory export stays and now re-exports the imported memory
      r.u32();
      exportEntries.push(exportSection.payload.subarray(start, r.pos));
    }
  }
  const mutableGlobalExports = mutableGlobalIndices.map((i) => `${GLOBAL_EXPORT_PREFIX}${i}`);
  const newExport = new WasmWriter().u32(
    exportEntries.length + mutableGlobalIndices.length + (startFunction === undefined ? 0 : 1) + (tableSection ? 1 : 0),
  );
  for (const e of exportEntries) newExport.bytes(e);
  if (tableSection) newExport.name(TABLE_EXPORT).byte(EXPORT_KIND_TABLE).u32(0);
  mutableGlobalIndices.forEach((index, k) => newExport.name(mutableGlobalExports[k]).byte(EXPORT_KIND_GLOBAL).u32(index));
  if (startFunction !== undefined) newExport.name(START_EXPORT).byte(EXPORT_KIND_FUNC).u32(startFunction);

  const customSections = new Map<string, Uint8Array>();
  const out: Section[] = [];
  let importWritten = false;
  let exportWritten = false;
  for (const s of sections) {
    const name = customSectionName(s);
    if (name !== undefined) {
      const r = new WasmReader(s.payload);
      r.name();
      customSections.set(name, s.payload.subarray(r.pos));
    }
    // Sections must stay in canonical order: imports before functions, exports before start.
    if (!importWritten && s.id !== SectionId.Custom && s.id !== SectionId.Type && s.id !== SectionId.Import) {
      out.push({ id: SectionId.Import, payload: newImport.finish() });
      importWritten = true;
    }
    if (s.id === SectionId.Import) {
      out.push({ id: SectionId.Import, payload: newImport.finish() });
      importWritten = true;
      continue;
    }
    if (s.id === SectionId.Memory || s.id === SectionId.Start) continue;
    if (!exportWritten && s.id !== SectionId.Custom && s.id > SectionId.Export) {
      out.push({ id: SectionId.Export, payload: newExport.finish() });
      exportWritten = true;
    }
    if (s.id === SectionId.Export) {
      out.push({ id: SectionId.Export, payload: newExport.finish() });
      exportWritten = true;
      continue;
    }
    out.push(s);
  }
  if (!importWritten) out.push({ id: SectionId.Import, payload: newImport.finish() });
  if (!exportWritten) out.push({ id: SectionId.Export, payload: newExport.finish() });

  return {
    bytes: writeSections(out),
    memory,
    mutableGlobalExports,
    hasStart: startFunction !== undefined,
    table64,
    customSections,
  };
}

function readLimits(r: WasmReader): MemoryType {
  const flags = r.byte();
  const is64 = (flags & 0x04) !== 0;
  const minPages = is64 ? r.u64() : BigInt(r.u32());
  const maxPages = flags & 0x01 ? (is64 ? r.u64() : BigInt(r.u32())) : undefined;
  return { memory64: is64, minPages, ...(maxPages === undefined ? {} : { maxPages }) };
}
