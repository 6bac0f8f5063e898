/**
 * One live instance of a prepared canister module, with its memory, and the state
 * capture that makes message execution atomic.
 *
 * Rollback copies the whole wasm memory in {@link save} (cost proportional to the
 * canister's size); dirty-page tracking replaces this in the instruction-metering work.
 */
import { GLOBAL_EXPORT_PREFIX, MEMORY_IMPORT, START_EXPORT, TABLE_EXPORT, type PreparedModule } from '../wasm/prepare.ts';

export const WASM_PAGE_BYTES = 65536;

/** A compiled module, shared by every instance of the same wasm. */
export interface CompiledModule {
  prepared: PreparedModule;
  module: WebAssembly.Module;
  /** Names of all exports, e.g. `canister_update put`. */
  exports: ReadonlySet<string>;
}

export function compileModule(prepared: PreparedModule): CompiledModule {
  const module = new WebAssembly.Module(prepared.bytes as Uint8Array<ArrayBuffer>);
  return { prepared, module, exports: new Set(WebAssembly.Module.exports(module).map((e) => e.name)) };
}

export interface SavedWasmState {
  pages: bigint;
  bytes: Uint8Array;
  globals: Array<number | bigint>;
}

type ImportObject = Record<string, Record<string, WebAssembly.ImportValue>>;

export class WasmInstance {
  readonly compiled: CompiledModule;
  memory: WebAssembly.Memory;
  #imports: ImportObject;
  #instance!: WebAssembly.Instance;
  #globals: WebAssembly.Global[] = [];
  #table: WebAssembly.Table | undefined;

  /**
   * Instantiates `compiled` against `memory` (a new memory of the module's initial size
   * when absent). Does not run the start function: see {@link runStart}.
   */
  constructor(compiled: CompiledModule, imports: ImportObject, memory?: WebAssembly.Memory) {
    this.compiled = compiled;
    this.#imports = imports;
    this.memory = memory ?? newMemory(compiled.prepared.memory.memory64, compiled.prepared.memory.minPages);
    this.#instantiate();
  }

  #instantiate(): void {
    const imports = { ...this.#imports, [MEMORY_IMPORT.module]: { ...this.#imports[MEMORY_IMPORT.module], [MEMORY_IMPORT.name]: this.memory } };
    this.#instance = new WebAssembly.Instance(this.compiled.module, imports);
    const ex = this.#instance.exports;
    this.#globals = this.compiled.prepared.mutableGlobalExports.map((name) => ex[name] as WebAssembly.Global);
    this.#table = ex[TABLE_EXPORT] as WebAssembly.Table | undefined;
  }

  has(exportName: string): boolean {
    return this.compiled.exports.has(exportName);
  }

  /** Calls a `() -> ()` export such as `canister_update put`. */
  call(exportName: string): void {
    (this.#instance.exports[exportName] as () => void)();
  }

  /** Runs the module's start function, if it has one (once per install or upgrade). */
  runStart(): void {
    if (this.compiled.prepared.hasStart) this.call(START_EXPORT);
  }

  /** Calls table entry `fun` with `env`, as the IC does for reply, reject and cleanup callbacks. */
  callClosure(fun: bigint, env: bigint): void {
    const table = this.#table;
    if (!table) throw new WebAssembly.RuntimeError('the module has no table for callbacks');
    const index = this.compiled.prepared.table64 ? fun : Number(fun);
    const f = (table.get as (i: number | bigint) => ((env: number | bigint) => void) | null)(index);
    if (!f) throw new WebAssembly.RuntimeError(`callback table entry ${fun} is empty`);
    f(this.compiled.prepared.memory.memory64 ? env : Number(env));
  }

  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Captures memory and globals. */
  save(): SavedWasmState {
    return {
      pages: BigInt(this.memory.buffer.byteLength / WASM_PAGE_BYTES),
      bytes: new Uint8Array(this.memory.buffer).slice(),
      globals: this.#globals.map((g) => g.value as number | bigint),
    };
  }

  /**
   * Puts memory and globals back as {@link save} captured them. A memory that grew
   * since cannot shrink, so it is replaced and the module re-instantiated against the
   * replacement (passive data segments keep the contents intact).
   */
  restore(state: SavedWasmState): void {
    const currentPages = BigInt(this.memory.buffer.byteLength / WASM_PAGE_BYTES);
    if (currentPages !== state.pages) {
      this.memory = newMemory(this.compiled.prepared.memory.memory64, state.pages);
      this.#instantiate();
    }
    new Uint8Array(this.memory.buffer).set(state.bytes);
    this.#globals.forEach((g, i) => {
      g.value = state.globals[i];
    });
  }

  /** Current values of the mutable globals (for checkpoints). */
  globalValues(): Array<number | bigint> {
    return this.#globals.map((g) => g.value as number | bigint);
  }

  /** Sets the mutable globals (restoring from a checkpoint). */
  setGlobalValues(values: ReadonlyArray<number | bigint>): void {
    this.#globals.forEach((g, i) => {
      g.value = values[i];
    });
  }
}

export function newMemory(memory64: boolean, pages: bigint): WebAssembly.Memory {
  // The memory64 JS API takes BigInt sizes; lib.dom's types predate it.
  const descriptor = memory64 ? { initial: pages, address: 'i64' } : { initial: Number(pages) };
  return new WebAssembly.Memory(descriptor as unknown as WebAssembly.MemoryDescriptor);
}
