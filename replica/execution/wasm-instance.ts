/**
 * One live instance of an instrumented canister module: its exports, its instruction
 * counter, and the journal of the memory it runs on.
 *
 * An execution is {@link WasmInstance.begin} → run exports → {@link WasmInstance.commit}
 * or {@link WasmInstance.rollback}. Both ends cost what the execution wrote (dirty pages,
 * see memory-journal.ts), not the size of the canister.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, Trap } from '../errors.ts';
import { INSTRUCTIONS_EXPORT, INSTRUCTION_LIMIT_EXPORT, MEMORY_PAGES_EXPORT, instrumentModule, type Instrumentation } from '../wasm/instrument.ts';
import { START_EXPORT, TABLE_EXPORT, prepareModule, type PreparedModule } from '../wasm/prepare.ts';
import { MemoryJournal, WASM_PAGE_BYTES } from './memory-journal.ts';

/** A compiled module, shared by every instance of the same wasm. */
export interface CompiledModule {
  /** The module as installed, uncompressed (checkpoints store it). */
  wasm: Uint8Array;
  /** SHA-256 of {@link wasm}, hex. */
  sha256: string;
  prepared: PreparedModule;
  module: WebAssembly.Module;
  /** Names of all exports, e.g. `canister_update put`. */
  exports: ReadonlySet<string>;
}

/** SHA-256 of a module, hex: the key of compiled modules. */
export function moduleSha256(wasm: Uint8Array): string {
  return createHash('sha256').update(wasm).digest('hex');
}

/**
 * Prepares, instruments and compiles a canister module. `instrumentation` other than
 * `'full'` is for benchmarks only (see ReplicaOptions.instrumentation): no metering or
 * limits (`'unmetered'`), nor a journal of wasm stores (`'none'`). @throws on an invalid module
 */
export function compileModule(wasm: Uint8Array, sha256 = moduleSha256(wasm), instrumentation: Instrumentation = 'full'): CompiledModule {
  const prepared = prepareModule(wasm);
  const { bytes } = instrumentModule(prepared.bytes, instrumentation);
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  return { wasm, sha256, prepared, module, exports: new Set(WebAssembly.Module.exports(module).map((e) => e.name)) };
}

type ImportObject = Record<string, Record<string, WebAssembly.ImportValue>>;

/** Thrown when a message's instruction count passes its limit. */
export function instructionLimitTrap(limit: bigint): Trap {
  return new Trap(ErrorCode.CanisterInstructionLimitExceeded, `exceeded the limit of ${limit} instructions for single message execution.`);
}

export class WasmInstance {
  readonly compiled: CompiledModule;
  readonly journal: MemoryJournal;
  readonly #instance: WebAssembly.Instance;
  readonly #globals: WebAssembly.Global[];
  #savedGlobals: Array<number | bigint> = [];
  readonly #table: WebAssembly.Table | undefined;
  readonly #counter: WebAssembly.Global;
  readonly #limit: WebAssembly.Global;
  readonly #pages: WebAssembly.Global;
  #savedPages: bigint = 0n;

  /**
   * Instantiates `compiled` on `journal`'s memory (a new memory of the module's initial
   * size when absent), seeing `pages` of it (default: all of it). Does not run the start
   * function: see {@link runStart}.
   */
  constructor(compiled: CompiledModule, imports: ImportObject, journal?: MemoryJournal, pages?: bigint) {
    this.compiled = compiled;
    this.journal = journal ?? new MemoryJournal(compiled.prepared.memory.memory64, compiled.prepared.memory.minPages);
    this.#instance = new WebAssembly.Instance(compiled.module, { ...imports, env: { ...imports.env, ...this.journal.imports() } });
    const ex = this.#instance.exports;
    this.#globals = this.compiled.prepared.mutableGlobalExports.map((name) => ex[name] as WebAssembly.Global);
    this.#table = ex[TABLE_EXPORT] as WebAssembly.Table | undefined;
    this.#counter = ex[INSTRUCTIONS_EXPORT] as WebAssembly.Global;
    this.#limit = ex[INSTRUCTION_LIMIT_EXPORT] as WebAssembly.Global;
    this.#pages = ex[MEMORY_PAGES_EXPORT] as WebAssembly.Global;
    this.memoryPages = pages ?? BigInt(this.journal.pages);
  }

  /** The memory size the canister sees, in 64 KiB pages (its `memory.size`). */
  get memoryPages(): bigint {
    return BigInt(this.#pages.value as bigint | number);
  }

  set memoryPages(pages: bigint) {
    this.#pages.value = this.compiled.prepared.memory.memory64 ? pages : Number(pages);
  }

  get memory(): WebAssembly.Memory {
    return this.journal.main;
  }

  /** The memory size the canister sees, in bytes. */
  get memoryBytes(): number {
    return Number(this.memoryPages) * WASM_PAGE_BYTES;
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
    // Motoko's one-way calls register callback index u32::MAX: calling it traps, harmlessly.
    if (fun >= BigInt(table.length)) throw new WebAssembly.RuntimeError(`table index ${fun} is out of bounds (callback of a one-way call)`);
    const index = this.compiled.prepared.table64 ? fun : Number(fun);
    const f = (table.get as (i: number | bigint) => ((env: number | bigint) => void) | null)(index);
    if (!f) throw new WebAssembly.RuntimeError(`callback table entry ${fun} is empty`);
    f(this.compiled.prepared.memory.memory64 ? env : Number(env));
  }

  /** Instructions counted since the last {@link begin} or {@link resetCounter}. */
  get instructions(): bigint {
    return this.#counter.value as bigint;
  }

  get instructionLimit(): bigint {
    return BigInt.asUintN(64, this.#limit.value as bigint);
  }

  /** Adds System API costs; traps with IC0522 once the limit is passed. */
  charge(instructions: number): void {
    const total = (this.#counter.value as bigint) + BigInt(instructions);
    this.#counter.value = total;
    if (total > this.instructionLimit) throw instructionLimitTrap(this.instructionLimit);
  }

  /** Zeroes the instruction counter and sets the limit for what runs next. */
  resetCounter(limit: bigint): void {
    this.#counter.value = 0n;
    this.#limit.value = BigInt.asIntN(64, limit);
  }

  /** Starts an atomic execution with an instruction limit. */
  begin(limit: bigint): void {
    this.#savedGlobals = this.#globals.map((g) => g.value as number | bigint);
    this.#savedPages = this.memoryPages;
    this.resetCounter(limit);
  }

  /** Keeps the execution's effects on memory and globals. @returns the pages it wrote */
  commit(): number[] {
    return this.journal.commit();
  }

  /** Puts memory and globals back as they were at {@link begin}. */
  rollback(): void {
    this.journal.rollback();
    this.setGlobalValues(this.#savedGlobals);
    this.memoryPages = this.#savedPages;
  }

  /** Current values of the mutable globals (for checkpoints). */
  globalValues(): Array<number | bigint> {
    return this.#globals.map((g) => g.value as number | bigint);
  }

  /** Sets the mutable globals (rollback, restoring a checkpoint). */
  setGlobalValues(values: ReadonlyArray<number | bigint>): void {
    this.#globals.forEach((g, i) => {
      g.value = values[i];
    });
  }
}

