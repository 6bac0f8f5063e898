import { describe, expect, it } from 'vitest';
import { testCanister } from '../test/helpers.ts';
import { WasmFormatError, WasmWriter } from './binary.ts';
import { GLOBAL_EXPORT_PREFIX, MEMORY_IMPORT, START_EXPORT, TABLE_EXPORT, prepareModule } from './prepare.ts';

/** A hand-assembled module: one wasm32 memory of 1 page, one mutable i32 global, a start function. */
function tinyModule(options: { importMemory?: boolean } = {}): Uint8Array {
  const section = (id: number, body: Uint8Array) => new WasmWriter().byte(id).u32(body.length).bytes(body).finish();
  const type = new WasmWriter().u32(1).byte(0x60).u32(0).u32(0).finish(); // () -> ()
  const imports = new WasmWriter().u32(1).name('env').name('memory').byte(2).byte(0).u32(1).finish();
  const funcs = new WasmWriter().u32(1).u32(0).finish();
  const memory = new WasmWriter().u32(1).byte(0).u32(1).finish();
  const global = new WasmWriter().u32(1).byte(0x7f).byte(1).byte(0x41).byte(5).byte(0x0b).finish();
  const start = new WasmWriter().u32(0).finish();
  const body = Uint8Array.of(0x00, 0x0b); // no locals, end
  const code = new WasmWriter().u32(1).u32(body.length).bytes(body).finish();
  return new WasmWriter()
    .bytes(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00))
    .bytes(section(1, type))
    .bytes(options.importMemory ? section(2, imports) : new Uint8Array())
    .bytes(section(3, funcs))
    .bytes(options.importMemory ? new Uint8Array() : section(5, memory))
    .bytes(section(6, global))
    .bytes(section(8, start))
    .bytes(section(10, code))
    .finish();
}

describe('prepareModule', () => {
  it('turns the defined memory into the import env.memory with the same limits', () => {
    const prepared = prepareModule(tinyModule());
    const module = new WebAssembly.Module(prepared.bytes as Uint8Array<ArrayBuffer>);
    expect(WebAssembly.Module.imports(module)).toContainEqual({ module: MEMORY_IMPORT.module, name: MEMORY_IMPORT.name, kind: 'memory' });
    expect(prepared.memory).toEqual({ memory64: false, minPages: 1n });
  });

  it('exports every mutable global and the start function instead of running it', () => {
    const prepared = prepareModule(tinyModule());
    const module = new WebAssembly.Module(prepared.bytes as Uint8Array<ArrayBuffer>);
    const exports = WebAssembly.Module.exports(module).map((e) => `${e.kind} ${e.name}`);
    expect(exports).toContain(`global ${GLOBAL_EXPORT_PREFIX}0`);
    expect(exports).toContain(`function ${START_EXPORT}`);
    const instance = new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
    expect((instance.exports[`${GLOBAL_EXPORT_PREFIX}0`] as WebAssembly.Global).value).toBe(5);
  });

  it('rejects a module that imports its memory', () => {
    expect(() => prepareModule(tinyModule({ importMemory: true }))).toThrow(WasmFormatError);
  });

  it('prepares a Motoko module: memory64, table64, custom sections kept', () => {
    const prepared = prepareModule(testCanister('Counter'));
    expect(prepared.memory.memory64).toBe(true);
    expect(prepared.table64).toBe(true);
    expect(prepared.hasStart).toBe(true);
    expect(prepared.customSections.has('icp:private enhanced-orthogonal-persistence')).toBe(true);
    const module = new WebAssembly.Module(prepared.bytes as Uint8Array<ArrayBuffer>);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain(TABLE_EXPORT);
  });

  it('refuses bytes that are not a wasm module', () => {
    expect(() => prepareModule(new TextEncoder().encode('definitely not wasm'))).toThrow(/not a WebAssembly module/);
  });
});
