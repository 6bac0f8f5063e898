/**
 * Watches migrations from inside the replica, through its `onExecuted` hook, because the
 * index's own timestamps cannot time them here: in live mode canister time moves with the
 * wall clock only between the driver's turns of up to 32 rounds, and a whole split can
 * run inside one turn, so `updatedAtNanos − startedAtNanos` reads a few nanoseconds.
 *
 * What it records, in wall-clock ms (`performance.now()`):
 *  1. when the index asks a data canister for `slotStats` (it plans a split next), a
 *     snapshot of that canister: its keys and bytes, and its largest slot (the split's
 *     worst case depends on it);
 *  2. for each migration, the first and last of its calls (`migrationBegin` on the source
 *     … the last `migrationDrop`) and of its copy phase, and the number of copy calls.
 *
 * It relies on the index running one migration at a time, each starting with
 * `migrationBegin` on its source then on its target (canisters/index/main.mo), so a
 * `migrationBegin` after any other migration call starts the next migration.
 *
 * The snapshot is a query run synchronously inside the hook: the canister has just
 * finished an execution and none is running on it, which is the state the HTTP interface
 * queries in too. The snapshot's own executions come back through the hook and are ignored.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { DataStats, SlotBytes, type DataStatsValue } from '../../client/idl/data.ts';
import type { ExecutionRecord, Replica } from '../../replica/index.ts';

/** A data canister as the split planner saw it. */
export interface SourceSnapshot {
  keys: number;
  bytes: number;
  /** Bytes of its fullest slot: a split can miss half of the bytes by half of this. */
  largestSlotBytes: number;
}

export interface MigrationTrace {
  source: string;
  startMs: number;
  endMs: number;
  /** First and last `migrationCopy` execution; undefined if nothing was copied. */
  copyStartMs: number | undefined;
  copyEndMs: number | undefined;
  /** `migrationCopy` calls (each moves at most `copyChunkBytes`). */
  copyCalls: number;
  /** The source when its split was planned; undefined for a move that was not a split. */
  sourceAtPlan: SourceSnapshot | undefined;
}

const NO_ARGS = new Uint8Array(IDL.encode([], []));

export class MigrationRecorder {
  readonly #traces: MigrationTrace[] = [];
  readonly #plans = new Map<string, SourceSnapshot>();
  #replica: Replica | undefined;
  #index: Principal | undefined;
  #lastMethod: string | undefined;
  #snapshotting = false;
  /** A failed snapshot: kept for {@link traces}, because throwing in the hook would break the replica's round. */
  #error: Error | undefined;

  /** Pass as the replica's `onExecuted`; records nothing until {@link attach}. */
  readonly onExecuted = (record: ExecutionRecord): void => {
    if (this.#snapshotting || !this.#index || record.method === undefined || record.canister.compareTo(this.#index) === 'eq') return;
    const canister = record.canister.toText();
    if (record.method === 'slotStats') {
      try {
        this.#plans.set(canister, this.#snapshot(record.canister));
      } catch (e) {
        this.#error ??= e instanceof Error ? e : new Error(String(e));
      }
      return;
    }
    if (!record.method.startsWith('migration')) return;
    const now = performance.now();
    if (record.method === 'migrationBegin' && this.#lastMethod !== 'migrationBegin') {
      this.#traces.push({ source: canister, startMs: now, endMs: now, copyStartMs: undefined, copyEndMs: undefined, copyCalls: 0, sourceAtPlan: this.#plans.get(canister) });
      this.#plans.delete(canister);
    }
    this.#lastMethod = record.method;
    const trace = this.#traces[this.#traces.length - 1];
    if (!trace) return;
    trace.endMs = now;
    if (record.method === 'migrationCopy') {
      trace.copyStartMs ??= now;
      trace.copyEndMs = now;
      if (record.kind === 'update') trace.copyCalls++;
    }
  };

  /** Starts recording the migrations of the BigMap whose index is `index` on `replica`. */
  attach(replica: Replica, index: Principal): void {
    this.#replica = replica;
    this.#index = index;
  }

  /** The migrations seen so far, oldest first. @throws the error of a failed snapshot */
  get traces(): readonly MigrationTrace[] {
    if (this.#error) throw this.#error;
    return this.#traces;
  }

  /** The data canister's figures, asked as the index (slotStats answers only the index). */
  #snapshot(canister: Principal): SourceSnapshot {
    const replica = this.#replica!;
    const ask = <T>(method: string, type: IDL.Type<T>): T => {
      const answer = replica.query(canister, method, NO_ARGS, { sender: this.#index! });
      if (answer.kind === 'reject') throw new Error(`${method} of ${canister.toText()} was rejected: ${answer.reject.message}`);
      return IDL.decode([type], answer.data)[0] as T;
    };
    this.#snapshotting = true;
    try {
      const stats = ask('stats', DataStats) as DataStatsValue;
      const slots = ask('slotStats', IDL.Vec(SlotBytes)) as Array<{ slot: number; bytes: bigint }>;
      return { keys: Number(stats.keys), bytes: Number(stats.bytes), largestSlotBytes: slots.reduce((max, s) => Math.max(max, Number(s.bytes)), 0) };
    } finally {
      this.#snapshotting = false;
    }
  }
}
