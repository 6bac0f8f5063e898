/**
 * install_code and uninstall_code: what each mode keeps.
 *
 * | mode      | wasm memory                          | stable memory | globals | timer   |
 * |-----------|--------------------------------------|---------------|---------|---------|
 * | install   | new                                  | new           | new     | cleared |
 * | reinstall | new                                  | wiped         | new     | cleared |
 * | upgrade   | kept with `wasm_memory_persistence = keep`, else new | kept | new | cleared |
 *
 * The whole operation is atomic: if `start`, `canister_init`, `canister_pre_upgrade` or
 * `canister_post_upgrade` traps, the canister is exactly as before, except for the cycles
 * its instructions cost. Together they may use 300 B instructions; each hook is charged
 * for its instructions (cycles.ts) and reported as an execution.
 *
 * Enhanced orthogonal persistence checks (dfinity/ic `execution/upgrade.rs`): upgrading a
 * module that declares the `enhanced-orthogonal-persistence` custom section needs the
 * `wasm_memory_persistence` option; `keep` needs the new module to declare it too.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { cyclesPerInstruction } from '../cycles.ts';
import { ErrorCode, Trap, reject, type Reject } from '../errors.ts';
import { createIc0, Sandbox } from '../host/ic0.ts';
import { StableMemory } from '../state/stable-memory.ts';
import type { Canister, InstalledCode } from './canister.ts';
import { instructionLimit, toTrap, trapReject, type Effects, type ExecutionEnv } from './execute.ts';
import { newExecution, type Execution } from './types.ts';
import type { MemoryJournal } from './memory-journal.ts';
import { WasmInstance, instructionLimitTrap, type CompiledModule } from './wasm-instance.ts';

export const EOP_SECTION = 'icp:private enhanced-orthogonal-persistence';

export type InstallMode = 'install' | 'reinstall' | 'upgrade';

export interface InstallRequest {
  mode: InstallMode;
  /** The module, raw (`\0asm`) or gzipped. */
  wasm: Uint8Array;
  arg: Uint8Array;
  /** Principal bytes of whoever asked (msg_caller in init and upgrade hooks). */
  sender: Uint8Array;
  skipPreUpgrade?: boolean;
  wasmMemoryPersistence?: 'keep' | 'replace';
}

export interface InstallEnv extends ExecutionEnv {
  /** Prepares and compiles a module, cached by content. @throws on an invalid module. */
  compile(wasm: Uint8Array): CompiledModule;
}

/** Runs install_code on `c`. Returns the reject when it fails, and effects (rejected calls of a reinstalled canister). */
export function installCode(c: Canister, req: InstallRequest, env: InstallEnv): { error?: Reject; effects: Effects } {
  const effects: Effects = { calls: [], responses: [] };
  const id = c.id.toText();
  const wasm = isGzip(req.wasm) ? new Uint8Array(gunzipSync(req.wasm)) : req.wasm;
  let compiled: CompiledModule;
  try {
    compiled = env.compile(wasm);
  } catch (e) {
    return { error: reject(ErrorCode.CanisterInvalidWasm, `Canister ${id}: the Wasm module is invalid: ${(e as Error).message}`), effects };
  }
  const newIsEop = compiled.prepared.customSections.has(EOP_SECTION);

  if (req.mode === 'install' && c.code) {
    return { error: reject(ErrorCode.CanisterNonEmpty, `Canister ${id} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.`), effects };
  }
  if (req.mode === 'upgrade') {
    if (!c.code) return { error: reject(ErrorCode.CanisterWasmModuleNotFound, `Canister ${id} is empty: install code before upgrading it`), effects };
    if (c.code.enhancedOrthogonalPersistence && !req.wasmMemoryPersistence) {
      return { error: reject(ErrorCode.CanisterContractViolation, 'Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option.'), effects };
    }
    if (req.wasmMemoryPersistence === 'keep' && !newIsEop) {
      return {
        error: reject(ErrorCode.CanisterContractViolation, 'Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option requires that the new canister module supports enhanced orthogonal persistence.'),
        effects,
      };
    }
  }

  const old = c.code;
  const oldStable = c.stable;
  const keepMemory = req.mode === 'upgrade' && req.wasmMemoryPersistence === 'keep';
  const budget = instructionLimit('init');
  if (req.mode === 'upgrade' && old) {
    old.instance.begin(budget);
    oldStable.begin();
  } else {
    c.stable = new StableMemory();
  }

  // Cycles the hooks burn are rolled back with the rest; the instructions they ran are not.
  const savedCycles = c.cycles;
  let instructionFee = 0n;
  const fail = (trap: Trap) => {
    if (req.mode === 'upgrade' && old) {
      old.instance.rollback();
      oldStable.rollback();
    }
    c.stable = oldStable;
    c.cycles = savedCycles > instructionFee ? savedCycles - instructionFee : 0n;
    return { error: trapReject(c, trap), effects };
  };

  const timeNanos = env.timeNanos;
  let timer: bigint | undefined;
  let used = 0n;
  /** Runs one hook of the install; the hooks share the install's instruction budget. */
  const step = (code: InstalledCode, exec: Execution, entry: () => void): Trap | undefined => {
    code.instance.resetCounter(budget - used);
    code.sandbox.exec = exec;
    let trap: Trap | undefined;
    try {
      entry();
    } catch (e) {
      trap = code.instance.instructions > code.instance.instructionLimit ? instructionLimitTrap(budget) : toTrap(e);
    } finally {
      code.sandbox.exec = undefined;
    }
    used += code.instance.instructions;
    if (!trap && exec.timer !== undefined) timer = exec.timer;
    // The IC charges install_code's instructions as an update's, whether or not it
    // succeeds (the module's own rate: wasm64 pays twice).
    exec.instructions = Number(code.instance.instructions);
    const fee = BigInt(exec.instructions) * cyclesPerInstruction(code.compiled.prepared.memory.memory64);
    instructionFee += fee;
    c.cycles = c.cycles > fee ? c.cycles - fee : 0n;
    c.stats.instructionsTotal += BigInt(exec.instructions);
    env.onExecuted(c, exec, trap);
    return trap;
  };

  if (req.mode === 'upgrade' && old && !req.skipPreUpgrade && old.instance.has('canister_pre_upgrade')) {
    const trap = step(old, newExecution('pre_upgrade', timeNanos, req.sender), () => old.instance.call('canister_pre_upgrade'));
    if (trap) return fail(trap);
  }

  let code: InstalledCode;
  try {
    code = instantiateCode(c, env, {
      compiled,
      moduleHash: new Uint8Array(createHash('sha256').update(req.wasm).digest()),
      moduleBytes: req.wasm.length,
      ...(keepMemory ? { memory: { journal: old!.instance.journal, pages: old!.instance.memoryPages } } : {}),
    });
  } catch (e) {
    return fail(new Trap(ErrorCode.CanisterInvalidWasm, `the Wasm module cannot be instantiated: ${(e as Error).message}`));
  }

  let trap = step(code, newExecution('start', timeNanos, req.sender), () => code.instance.runStart());
  const hook = req.mode === 'upgrade' ? 'canister_post_upgrade' : 'canister_init';
  if (!trap && code.instance.has(hook)) {
    trap = step(code, newExecution('init', timeNanos, req.sender, { arg: req.arg }), () => code.instance.call(hook));
  }
  const limit = c.settings.wasmMemoryLimit;
  if (!trap && limit > 0n && BigInt(code.instance.memoryBytes) > limit) {
    trap = new Trap(ErrorCode.CanisterWasmMemoryLimitExceeded, `exceeded its current Wasm memory limit of ${limit} bytes (it uses ${code.instance.memoryBytes} bytes)`);
  }
  if (trap) return fail(trap);

  // Keep what the hooks wrote (a new memory's journal is cleared too: nothing to undo any more).
  code.instance.commit();
  if (old && !keepMemory) old.instance.commit();
  if (req.mode === 'upgrade') c.stable.commit();
  if (req.mode === 'reinstall' && old) abandonCallContexts(c, effects);
  c.code = code;
  c.globalTimer = timer ?? 0n;
  if (req.mode !== 'upgrade') c.certifiedData = new Uint8Array();
  c.version++;
  return { effects };
}

/**
 * Instantiates a module for canister `c`, on `memory` (a journal and the pages the
 * canister sees) or on a new memory of the module's initial size. Runs nothing.
 * @throws when the module cannot be instantiated
 */
export function instantiateCode(
  c: Canister,
  env: ExecutionEnv,
  code: { compiled: CompiledModule; moduleHash: Uint8Array; moduleBytes: number; memory?: { journal: MemoryJournal; pages: bigint } },
): InstalledCode {
  const { compiled, memory } = code;
  const sandbox = new Sandbox();
  const imports = { ic0: createIc0(c, env, sandbox, compiled.prepared.memory.memory64) };
  const instance = new WasmInstance(compiled, imports, memory?.journal, memory?.pages);
  sandbox.instance = instance;
  return {
    compiled,
    moduleHash: code.moduleHash,
    moduleBytes: code.moduleBytes,
    instance,
    sandbox,
    enhancedOrthogonalPersistence: compiled.prepared.customSections.has(EOP_SECTION),
  };
}

/** uninstall_code: removes the module and memories; open calls are rejected. */
export function uninstallCode(c: Canister): Effects {
  const effects: Effects = { calls: [], responses: [] };
  abandonCallContexts(c, effects);
  c.code = undefined;
  c.stable = new StableMemory();
  c.globalTimer = 0n;
  c.certifiedData = new Uint8Array();
  c.version++;
  return effects;
}

/** The IC rejects a removed module's open calls and never runs their callbacks. */
function abandonCallContexts(c: Canister, effects: Effects): void {
  for (const ctx of c.callContexts.values()) {
    if (!ctx.responded) {
      effects.responses.push({
        origin: ctx.origin,
        payload: { kind: 'reject', reject: reject(ErrorCode.CanisterRejectedMessage, `Canister ${c.id.toText()} has been uninstalled.`) },
        refund: ctx.availableCycles,
      });
    }
  }
  c.callContexts.clear();
  c.callbacks.clear();
}

function isGzip(b: Uint8Array): boolean {
  return b.length > 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}
