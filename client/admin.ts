/**
 * Operations on the BigMap as a whole, through its index canister: load figures,
 * rebalancing, rolling upgrades of the data canisters, and access control.
 */
import { Actor } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { BigMapError, UnauthorizedError } from './errors/index.ts';
import type { ClientCore } from './core.ts';
import type { DataStatsValue } from './idl/data.ts';
import type { IndexStatsValue, MigrationStatusValue, MigrationViewValue } from './idl/index.ts';
import { classifyCallError, sleep } from './routing/call-errors.ts';

export interface CanisterStats {
  id: string;
  /**
   * False when the canister did not answer (the figures are then the index's last ones for
   * an owner, zeros for a reader).
   */
  reachable: boolean;
  keys: bigint;
  /** Bytes of keys and values stored. */
  bytes: bigint;
  /** Wasm memory in use, and the part the heap takes. */
  memoryBytes: bigint;
  heapBytes: bigint;
  /** Slots the canister serves. */
  slots: bigint;
  cycles: bigint;
}

export interface MigrationInfo {
  id: bigint;
  reason: 'split' | 'rebalance';
  from: string;
  to: string;
  slots: bigint;
  phase: string;
  plannedBytes: bigint;
  copiedBytes: bigint;
  copiedKeys: bigint;
  lastError?: string;
}

export interface Stats {
  /** Version of the slot table. */
  version: bigint;
  canisters: CanisterStats[];
  /** The migration in progress and those queued, in order. */
  migrations: MigrationInfo[];
  capacityBytes: bigint;
  /** The index's cycle balance; only an owner may see it (undefined for readers). */
  indexCycles?: bigint;
}

export interface Progress {
  /** Moves finished since the call started, and the total planned. */
  done: number;
  total: number;
  active?: MigrationInfo;
}

/** How often long operations poll the index (ms). */
const POLL_INTERVAL_MS = 250;

/**
 * Load figures of every data canister, as of now, and the migrations in progress.
 *
 * An owner gets them in one call: the index's `stats` update, which asks every data
 * canister. The index keeps that method to owners, because each call costs it one
 * inter-canister call per data canister; anyone else gets the same figures from queries,
 * which cost no canister cycles: each data canister's `stats` (readers may call it) and
 * the index's `routingTable`, `configuration` and `migrationStatus`. Only the index's own
 * cycles are then missing.
 * @throws UnauthorizedError for a caller that may not read
 */
export async function stats(core: ClientCore): Promise<Stats> {
  if (!(await isOwner(core))) return readerStats(core);
  const s: IndexStatsValue = await indexCall(() => core.index.stats());
  return {
    version: s.version,
    canisters: s.canisters.map((c) => canisterStats(c.id.toText(), c.reachable, c.stats)),
    migrations: migrationsOf(s.migrations),
    capacityBytes: s.config.capacityBytes,
    indexCycles: s.indexCycles,
  };
}

/** Whether this client's identity is one of the BigMap's owners. */
async function isOwner(core: ClientCore): Promise<boolean> {
  const agent = Actor.agentOf(core.index as unknown as Actor);
  // Not an agent's actor: let the index's own check decide.
  if (!agent) return true;
  const [me, owners] = await Promise.all([agent.getPrincipal(), indexCall(() => core.index.getOwners())]);
  return owners.some((owner) => owner.toText() === me.toText());
}

/** {@link stats} for a reader: queries only, one per data canister (through the limiter). */
async function readerStats(core: ClientCore): Promise<Stats> {
  const [table, config, migrations, ids] = await Promise.all([
    indexCall(() => core.index.routingTable()),
    indexCall(() => core.index.configuration()),
    indexCall(() => core.index.migrationStatus()),
    indexCall(() => core.index.dataCanisters()),
  ]);
  const canisters = await Promise.all(
    ids.map(async (principal) => {
      const id = principal.toText();
      try {
        return canisterStats(id, true, [await core.limiter.run(id, () => core.dataCanister(id).stats())]);
      } catch (e) {
        // As the index does: a canister that does not answer (stopped, frozen) is unreachable.
        const { error } = classifyCallError(e);
        if (error instanceof UnauthorizedError) throw error;
        return canisterStats(id, false, []);
      }
    }),
  );
  return { version: table.version, canisters, migrations: migrationsOf(migrations), capacityBytes: config.capacityBytes };
}

function canisterStats(id: string, reachable: boolean, stats: [] | [DataStatsValue]): CanisterStats {
  return {
    id,
    reachable,
    keys: stats[0]?.keys ?? 0n,
    bytes: stats[0]?.bytes ?? 0n,
    memoryBytes: stats[0]?.memoryBytes ?? 0n,
    heapBytes: stats[0]?.heapBytes ?? 0n,
    slots: stats[0]?.slots ?? 0n,
    cycles: stats[0]?.cycles ?? 0n,
  };
}

function info(m: MigrationViewValue): MigrationInfo {
  return {
    id: m.id,
    reason: 'split' in m.reason ? 'split' : 'rebalance',
    from: m.from.toText(),
    to: m.to.toText(),
    slots: m.slots,
    phase: Object.keys(m.phase)[0],
    plannedBytes: m.plannedBytes,
    copiedBytes: m.copiedBytes,
    copiedKeys: m.copiedKeys,
    ...(m.lastError[0] ? { lastError: m.lastError[0] } : {}),
  };
}

function migrationsOf(status: MigrationStatusValue): MigrationInfo[] {
  const queued = status.queued.map((q, i) => ({
    id: -BigInt(i + 1),
    reason: ('split' in q.reason ? 'split' : 'rebalance') as 'split' | 'rebalance',
    from: q.from.toText(),
    to: q.to.toText(),
    slots: q.slots,
    phase: 'queued',
    plannedBytes: q.bytes,
    copiedBytes: 0n,
    copiedKeys: 0n,
  }));
  return [...(status.active[0] ? [info(status.active[0])] : []), ...queued];
}

/** Waits until no migration is active or queued and no split is waiting, reporting progress. */
export async function waitForMigrations(core: ClientCore, total: number, onProgress?: (p: Progress) => void): Promise<void> {
  const finishedBefore = new Set((await indexCall(() => core.index.migrationStatus())).history.map((m) => m.id));
  for (;;) {
    const status = await indexCall(() => core.index.migrationStatus());
    const done = status.history.filter((m) => !finishedBefore.has(m.id)).length;
    const active = status.active[0];
    onProgress?.({ done: Math.min(done, total), total, ...(active ? { active: info(active) } : {}) });
    if (!active && status.queued.length === 0 && status.splitRequests.length === 0) {
      await core.routes.refresh();
      return;
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/**
 * Plans moves that even out the stored bytes and waits until they are done.
 * @param tolerance accepted spread, as a fraction of the mean load @default 0.1
 */
export async function rebalance(core: ClientCore, options: { tolerance?: number; onProgress?: (p: Progress) => void } = {}): Promise<{ moves: number; bytes: bigint }> {
  const plan = await indexCall(() => core.index.rebalance(options.tolerance ?? 0.1));
  await waitForMigrations(core, plan.length, options.onProgress);
  return { moves: plan.length, bytes: plan.reduce((n, m) => n + m.bytes, 0n) };
}

/** Upgrades every data canister to the wasm the index carries, one at a time, and waits. */
export async function upgradeDataCanisters(core: ClientCore, options: { onProgress?: (p: { done: number; total: number; current?: string }) => void } = {}): Promise<{ upgraded: string[] }> {
  await indexCall(() => core.index.upgradeDataCanisters());
  for (;;) {
    const [status] = await indexCall(() => core.index.upgradeStatus());
    if (!status) throw new BigMapError('The index reports no rolling upgrade after starting one.');
    const total = status.done.length + status.failed.length + status.pending.length + (status.current[0] ? 1 : 0);
    options.onProgress?.({ done: status.done.length, total, ...(status.current[0] ? { current: status.current[0].canister.toText() } : {}) });
    if (status.finished) {
      if (status.failed.length > 0) throw new BigMapError('Some data canisters could not be upgraded.', { details: status.failed.map(([p, e]) => `${p.toText()}: ${e}`).join('; ') });
      return { upgraded: status.done.map((p) => p.toText()) };
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

export async function authorize(core: ClientCore, principal: Principal, access: { read?: boolean; write?: boolean }): Promise<void> {
  await indexCall(() => core.index.authorize(principal, { read: access.read ?? true, write: access.write ?? false }));
}

export async function revoke(core: ClientCore, principal: Principal): Promise<void> {
  await indexCall(() => core.index.revoke(principal));
}

/** Runs an index call, turning agent errors into typed BigMap errors. */
export async function indexCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw classifyCallError(e).error;
  }
}
