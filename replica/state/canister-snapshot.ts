/**
 * A canister's state as a checkpoint records it, apart from its memory pages (page files
 * hold those, see page-file.ts) and its module (stored once per module hash).
 *
 * Everything a canister carries between rounds is here: settings, cycles, status, timer,
 * certified data, the messages in its queue, its open call contexts and callbacks, and
 * the instance's mutable globals. Checkpoints are only taken between rounds, when no
 * execution is running, so there is no execution state to record.
 */
import type { Principal } from '@dfinity/principal';
import type { Canister, CanisterStats, CanisterStatus, Settings, StopWaiter } from '../execution/canister.ts';
import type { Callback, CallContext, Message } from '../execution/types.ts';

export interface CanisterSnapshot {
  id: Principal;
  status: CanisterStatus;
  settings: Settings;
  cycles: bigint;
  version: bigint;
  globalTimer: bigint;
  certifiedData: Uint8Array;
  callContexts: CallContext[];
  callbacks: Callback[];
  queue: Message[];
  stopWaiters: StopWaiter[];
  nextCallContextId: number;
  nextCallbackId: number;
  chunkStore: Array<[string, Uint8Array]>;
  stats: CanisterStats;
  stablePages: number;
  code?: CodeSnapshot;
}

export interface CodeSnapshot {
  /** SHA-256 (hex) of the uncompressed module: its file in the state directory. */
  module: string;
  /** `module_hash` as installed (of the possibly gzipped module). */
  moduleHash: Uint8Array;
  moduleBytes: number;
  /** The wasm memory size the canister sees, in 64 KiB pages. */
  memoryPages: bigint;
  /** Mutable globals in index order, see {@link encodeGlobal}. */
  globals: string[];
}

/** Records `c` (REQUIRES: no execution is running). */
export function snapshotCanister(c: Canister): CanisterSnapshot {
  const code = c.code;
  return {
    id: c.id,
    status: c.status,
    settings: c.settings,
    cycles: c.cycles,
    version: c.version,
    globalTimer: c.globalTimer,
    certifiedData: c.certifiedData,
    callContexts: [...c.callContexts.values()],
    callbacks: [...c.callbacks.values()],
    queue: c.queue,
    stopWaiters: c.stopWaiters,
    nextCallContextId: c.nextCallContextId,
    nextCallbackId: c.nextCallbackId,
    chunkStore: [...c.chunkStore.entries()],
    stats: c.stats,
    stablePages: c.stable.sizePages,
    ...(code
      ? {
          code: {
            module: code.compiled.sha256,
            moduleHash: code.moduleHash,
            moduleBytes: code.moduleBytes,
            memoryPages: code.instance.memoryPages,
            globals: code.instance.globalValues().map(encodeGlobal),
          },
        }
      : {}),
  };
}

/** Puts the recorded fields (all but code and memories) into a new canister. */
export function restoreCanisterFields(c: Canister, s: CanisterSnapshot): void {
  c.status = s.status;
  c.version = s.version;
  c.globalTimer = s.globalTimer;
  c.certifiedData = s.certifiedData;
  for (const ctx of s.callContexts) c.callContexts.set(ctx.id, ctx);
  for (const cb of s.callbacks) c.callbacks.set(cb.id, cb);
  c.queue = s.queue;
  c.stopWaiters = s.stopWaiters;
  c.nextCallContextId = s.nextCallContextId;
  c.nextCallbackId = s.nextCallbackId;
  for (const [hash, chunk] of s.chunkStore) c.chunkStore.set(hash, chunk);
  Object.assign(c.stats, s.stats);
}

/**
 * A global's value as text, exactly: i64 as a decimal (`i:…`), numbers (i32, f32, f64)
 * as the hex of their float64 bits (`f:…`), which JSON numbers cannot carry for NaN,
 * infinities and -0.
 */
export function encodeGlobal(value: number | bigint): string {
  if (typeof value === 'bigint') return `i:${value}`;
  return `f:${Buffer.from(new Float64Array([value]).buffer).toString('hex')}`;
}

export function decodeGlobal(text: string): number | bigint {
  if (text.startsWith('i:')) return BigInt(text.slice(2));
  if (text.startsWith('f:')) return new Float64Array(new Uint8Array(Buffer.from(text.slice(2), 'hex')).buffer)[0];
  throw new Error(`malformed global value ${JSON.stringify(text)}`);
}
