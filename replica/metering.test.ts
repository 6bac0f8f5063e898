/**
 * Instruction metering as the IC does it: per-kind limits, the IC's error past them, the
 * rollback of a message stopped at its limit, `performance_counter` as the canister reads
 * it, and the cycles charged per instruction.
 *
 * The Burner canister (test/canisters/Burner.mo) burns instructions in "rounds": one
 * `Region.storeBlob` of 256 KiB, one `ic0.stable64_write` that the IC charges per byte.
 * A round costs ROUND ≈ 262.4 K instructions (measured in beforeAll) and about 10 µs of
 * wall time, so reaching the 40 B update limit takes about 1.5 s instead of the tens of
 * seconds a plain Motoko loop would need. The whole file burns about 140 B instructions:
 * 7–10 s on a shared 2-core machine.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { INGRESS_BYTE_RECEPTION_FEE, INGRESS_MESSAGE_RECEPTION_FEE, UPDATE_MESSAGE_EXECUTION_FEE, cyclesPerInstruction } from './cycles.ts';
import { ErrorCode, Replica, type ExecutionRecord } from './index.ts';
import { NO_ARGS, decode, encode, rejection, testCanister } from './test/helpers.ts';

const UPDATE_LIMIT = 40_000_000_000;
const QUERY_LIMIT = 5_000_000_000;
const INSPECT_LIMIT = 200_000_000;
const INSTALL_LIMIT = 300_000_000_000;
/** Bytes one round writes (Burner.mo's CHUNK). */
const CHUNK = 262_144;

const rounds = (n: number) => encode([IDL.Nat], [BigInt(n)]);
const nat64 = (bytes: Uint8Array) => decode([IDL.Nat64], bytes)[0] as bigint;


let burnerWasm: Uint8Array;
/** Instructions of one round, and of a `burn` call's fixed part (decode, counter, marker, reply). */
let ROUND: number;

/** A replica that records every execution, with a Burner installed (`initRounds` burned in init). */
async function setup(initRounds = 0): Promise<{ replica: Replica; id: Principal; executions: ExecutionRecord[] }> {
  const executions: ExecutionRecord[] = [];
  const replica = await Replica.create({ onExecuted: (record) => executions.push(record) });
  const id = await replica.setupCanister({ wasm: burnerWasm, arg: rounds(initRounds), cycles: 10n ** 15n });
  return { replica, id, executions };
}

async function state(replica: Replica, id: Principal): Promise<{ counter: bigint; marker: bigint; chunkWord: bigint }> {
  const [counter, marker, chunkWord] = decode([IDL.Nat, IDL.Nat64, IDL.Nat64], await replica.queryCall(id, 'state', NO_ARGS)) as [bigint, bigint, bigint];
  return { counter, marker, chunkWord };
}

/** Rounds that take a message `by` instructions past `limit` (or under it, for a negative `by`). */
const roundsFor = (limit: number, by: number) => Math.ceil((limit + by) / ROUND);

beforeAll(async () => {
  burnerWasm = testCanister('Burner');
  // Measure a round: the difference of two burns, as the canister's performance_counter reads it.
  const { replica, id } = await setup();
  const at100 = nat64(await replica.updateCall(id, 'burn', rounds(100)));
  const at200 = nat64(await replica.updateCall(id, 'burn', rounds(200)));
  ROUND = Number(at200 - at100) / 100;
});

describe('instruction metering', () => {
  it('charges a round its bytes plus the System API overhead, and performance_counter grows with the work', async () => {
    // One round = CHUNK bytes written + the stable64_write overhead + a few hundred instructions of Motoko.
    expect(ROUND).toBeGreaterThan(CHUNK);
    expect(ROUND).toBeLessThan(CHUNK + 1_000);

    const { replica, id, executions } = await setup();
    const small = nat64(await replica.updateCall(id, 'burn', rounds(1_000)));
    const large = nat64(await replica.updateCall(id, 'burn', rounds(4_000)));
    // 4× the rounds: 4× the instructions, up to the call's fixed part (a few thousand).
    expect(Number(large - small) / (3_000 * ROUND)).toBeCloseTo(1, 5);
    expect(Number(large) / Number(small)).toBeCloseTo(4, 3);

    // The replica's count for the message is the canister's reading plus what runs after
    // it: encoding the reply, msg_reply_data_append and msg_reply (System API overheads).
    const [first, second] = executions.filter((e) => e.method === 'burn');
    expect(first.instructions - Number(small)).toBeGreaterThan(0);
    expect(first.instructions - Number(small)).toBeLessThan(5_000);
    expect(second.instructions - Number(large)).toBe(first.instructions - Number(small));
  });

  it('stops an update past 40 B instructions with IC0522 and rolls it back, charging the cycles it burned', async () => {
    const { replica, id, executions } = await setup();
    expect(await state(replica, id)).toEqual({ counter: 0n, marker: 0n, chunkWord: 0n });
    const before = replica.getCyclesBalance(id);

    // burn sets the counter and a marker in stable memory, then writes the chunk round after round.
    const error = await rejection(replica.updateCall(id, 'burn', rounds(roundsFor(UPDATE_LIMIT, 100 * ROUND))));
    expect(error.errorCode).toBe(ErrorCode.CanisterInstructionLimitExceeded);
    expect(error.errorCode).toBe('IC0522');
    expect(error.rejectCode).toBe(5);
    expect(error.rejectMessage).toBe(`Canister ${id.toText()} exceeded the limit of 40000000000 instructions for single message execution.`);

    // Heap (counter), stable memory (marker and the chunk area) are as before the message.
    expect(await state(replica, id)).toEqual({ counter: 0n, marker: 0n, chunkWord: 0n });
    const record = executions.find((e) => e.method === 'burn')!;
    expect(record.trapped?.errorCode).toBe('IC0522');
    expect(record.instructions).toBeGreaterThan(UPDATE_LIMIT);
    expect(record.instructions).toBeLessThan(UPDATE_LIMIT + ROUND + 1_000);
    // A trapped message still pays for what it executed (wasm64: 2 cycles per instruction).
    expect(before - replica.getCyclesBalance(id)).toBeGreaterThan(BigInt(UPDATE_LIMIT) * 2n);

    // The canister still works, and the same loop under the limit succeeds.
    const n = roundsFor(UPDATE_LIMIT, -100 * ROUND);
    const counted = nat64(await replica.updateCall(id, 'burn', rounds(n)));
    expect(Number(counted)).toBeGreaterThan(UPDATE_LIMIT - 101 * ROUND);
    expect(Number(counted)).toBeLessThan(UPDATE_LIMIT);
    const after = await state(replica, id);
    expect(after.counter).toBe(1n);
    expect(after.marker).toBe(1n);
    expect(after.chunkWord).toBe(0xababababababababn);
  });

  it('charges 2 cycles per instruction (wasm64) plus the base fees', async () => {
    const { replica, id, executions } = await setup();
    const arg = rounds(1_000);
    const before = replica.getCyclesBalance(id);
    await replica.updateCall(id, 'burn', arg);
    const charged = before - replica.getCyclesBalance(id);
    const instructions = BigInt(executions.find((e) => e.method === 'burn')!.instructions);
    expect(cyclesPerInstruction(true)).toBe(2n);
    const ingress = INGRESS_MESSAGE_RECEPTION_FEE + INGRESS_BYTE_RECEPTION_FEE * BigInt('burn'.length + arg.length);
    expect(charged).toBe(ingress + UPDATE_MESSAGE_EXECUTION_FEE + 2n * instructions);
  });
});

describe('cycles for replicated queries and install_code', () => {
  const of = (executions: ExecutionRecord[], id: Principal) => executions.filter((e) => e.canister.toText() === id.toText());
  const sum = (records: ExecutionRecord[]) => records.reduce((total, e) => total + BigInt(e.instructions), 0n);

  it('charges a query method called as an update (replicated query) for its instructions, and still discards its changes', async () => {
    const { replica, id, executions } = await setup();
    const arg = rounds(1_000);
    const before = replica.getCyclesBalance(id);
    const counted = nat64(await replica.updateCall(id, 'burnQuery', arg));
    const charged = before - replica.getCyclesBalance(id);
    const record = executions.find((e) => e.method === 'burnQuery')!;
    expect(record.kind).toBe('replicated_query');
    expect(record.instructions).toBeGreaterThan(Number(counted));
    const ingress = INGRESS_MESSAGE_RECEPTION_FEE + INGRESS_BYTE_RECEPTION_FEE * BigInt('burnQuery'.length + arg.length);
    expect(charged).toBe(ingress + UPDATE_MESSAGE_EXECUTION_FEE + 2n * BigInt(record.instructions));
    expect(charged).toBeGreaterThan(2_000n * BigInt(CHUNK));
    // Its state changes are discarded, as a query's.
    expect(await state(replica, id)).toEqual({ counter: 0n, marker: 0n, chunkWord: 0n });
  });

  it('charges start and canister_init for their instructions, reports them to onExecuted and counts them', async () => {
    const executions: ExecutionRecord[] = [];
    const replica = await Replica.create({ onExecuted: (record) => executions.push(record) });
    const id = await replica.createCanister({ cycles: 10n ** 15n });
    const created = replica.getCyclesBalance(id);
    await replica.installCode(id, burnerWasm, rounds(1_000));
    const hooks = of(executions, id);
    expect(hooks.map((e) => e.kind)).toEqual(['start', 'init']);
    expect(hooks.every((e) => e.trapped === undefined)).toBe(true);
    // init burned its 1,000 rounds, and reads about as much with performance_counter.
    expect(hooks[1].instructions).toBeGreaterThan(1_000 * CHUNK);
    expect(Number(nat64(await replica.queryCall(id, 'initCost', NO_ARGS)))).toBeLessThanOrEqual(hooks[1].instructions);
    expect(created - replica.getCyclesBalance(id)).toBe(2n * sum(hooks));
    expect(replica.canisterState(id)!.stats.instructionsTotal).toBe(sum(hooks) + sum(of(executions, id).slice(2)));
    await replica.close();
  });

  it('charges pre_upgrade and post_upgrade too, and a failed install or upgrade still pays for what ran while its state rolls back', async () => {
    const executions: ExecutionRecord[] = [];
    const replica = await Replica.create({ onExecuted: (record) => executions.push(record) });
    const id = await replica.setupCanister({ wasm: burnerWasm, arg: rounds(0), cycles: 10n ** 15n });
    await replica.updateCall(id, 'burn', rounds(1));
    const total = () => replica.canisterState(id)!.stats.instructionsTotal;
    expect(total()).toBe(sum(of(executions, id)));

    // A successful upgrade: pre_upgrade of the old module, then start and post_upgrade (kind init) of the new.
    let seen = executions.length;
    let before = replica.getCyclesBalance(id);
    await replica.upgradeCanister(id, burnerWasm, rounds(100));
    const upgrade = of(executions.slice(seen), id);
    expect(upgrade.map((e) => e.kind)).toEqual(['pre_upgrade', 'start', 'init']);
    expect(before - replica.getCyclesBalance(id)).toBe(2n * sum(upgrade));
    expect(sum(upgrade)).toBeGreaterThan(100n * BigInt(CHUNK));
    expect(total()).toBe(sum(of(executions, id)));
    expect((await state(replica, id)).counter).toBe(1n);

    // An upgrade whose post_upgrade traps (its argument does not decode): the canister is as before, the instructions are paid.
    seen = executions.length;
    before = replica.getCyclesBalance(id);
    const error = await rejection(replica.upgradeCanister(id, burnerWasm, encode([IDL.Text], ['not a Nat'])));
    expect(error.errorCode).toBe('IC0503');
    const failed = of(executions.slice(seen), id);
    expect(failed.map((e) => e.kind)).toEqual(['pre_upgrade', 'start', 'init']);
    expect(failed.at(-1)!.trapped?.errorCode).toBe('IC0503');
    expect(sum(failed)).toBeGreaterThan(0n);
    expect(before - replica.getCyclesBalance(id)).toBe(2n * sum(failed));
    expect(total()).toBe(sum(of(executions, id)));
    expect((await state(replica, id)).counter).toBe(1n);
    expect(nat64(await replica.updateCall(id, 'burn', rounds(0)))).toBeGreaterThan(0n);
    expect((await state(replica, id)).counter).toBe(2n);

    // A failed install: the canister stays empty and pays for start and init.
    const empty = await replica.createCanister({ cycles: 10n ** 15n });
    seen = executions.length;
    before = replica.getCyclesBalance(empty);
    expect((await rejection(replica.installCode(empty, burnerWasm, encode([IDL.Text], ['not a Nat'])))).errorCode).toBe('IC0503');
    const install = of(executions.slice(seen), empty);
    expect(install.map((e) => e.kind)).toEqual(['start', 'init']);
    expect(before - replica.getCyclesBalance(empty)).toBe(2n * sum(install));
    expect(replica.canisterState(empty)!.code).toBeUndefined();
    expect(replica.canisterState(empty)!.stats.instructionsTotal).toBe(sum(install));
    await replica.close();
  });
});

describe('instruction limits by message kind', () => {
  it('query: 5 B — a query past it traps with IC0522 while the same work as an update succeeds', async () => {
    const { replica, id } = await setup();
    const n = roundsFor(QUERY_LIMIT, 10 * ROUND);
    const error = await rejection(replica.queryCall(id, 'burnQuery', rounds(n)));
    expect(error.errorCode).toBe('IC0522');
    expect(error.rejectMessage).toBe(`Canister ${id.toText()} exceeded the limit of 5000000000 instructions for single message execution.`);
    // Under the query limit the query answers (and, being a query, changes nothing).
    expect(Number(nat64(await replica.queryCall(id, 'burnQuery', rounds(roundsFor(QUERY_LIMIT, -10 * ROUND)))))).toBeLessThan(QUERY_LIMIT);
    expect((await state(replica, id)).counter).toBe(0n);

    const counted = nat64(await replica.updateCall(id, 'burn', rounds(n)));
    expect(Number(counted)).toBeGreaterThan(QUERY_LIMIT);
    expect((await state(replica, id)).counter).toBe(1n);
  });

  it('inspect_message: 200 M — an inspect that burns more refuses the ingress message', async () => {
    const { replica, id } = await setup();
    // Under the limit the message is accepted and runs.
    expect(decode([IDL.Nat], await replica.updateCall(id, 'guarded', rounds(roundsFor(INSPECT_LIMIT, -10 * ROUND))))[0]).toBe(1n);

    const error = await rejection(replica.updateCall(id, 'guarded', rounds(roundsFor(INSPECT_LIMIT, 10 * ROUND))));
    expect(error.rejectMessage).toContain(`Canister ${id.toText()} exceeded the limit of 200000000 instructions for single message execution.`);
    // The IC answers with the trap's own error, IC0522 (dfinity/ic execution/inspect_message.rs:
    // `err.into_user_error`), not IC0406 "rejected the message".
    expect(error.errorCode).toBe(ErrorCode.CanisterInstructionLimitExceeded);
    expect(error.rejectMessage).toBe(`Canister ${id.toText()} exceeded the limit of 200000000 instructions for single message execution.`);
    // The refused message never ran.
    expect((await state(replica, id)).counter).toBe(1n);
  });

  it('install: 300 B — an init that burns more than the 40 B update limit completes', async () => {
    const n = roundsFor(UPDATE_LIMIT, 5_000_000_000);
    const { replica, id } = await setup(n);
    const initInstructions = nat64(await replica.queryCall(id, 'initCost', NO_ARGS));
    expect(Number(initInstructions)).toBeGreaterThan(UPDATE_LIMIT + 5_000_000_000);
    expect(Number(initInstructions)).toBeLessThan(INSTALL_LIMIT);
    // Running past 300 B would take about 10 s of burning: not run here.
  });
});

describe('benchmark-only instrumentation switch (ReplicaOptions.instrumentation)', () => {
  it("'unmetered' counts System API charges only and still rolls queries back; 'none' refuses a state directory", async () => {
    const replica = await Replica.create({ instrumentation: 'unmetered' });
    const id = await replica.setupCanister({ wasm: burnerWasm, arg: rounds(0) });
    const at0 = nat64(await replica.updateCall(id, 'burn', rounds(0)));
    const at100 = nat64(await replica.updateCall(id, 'burn', rounds(100)));
    // A round is then just its stable64_write: the bytes plus the call's fixed 20, no wasm instructions.
    expect(Number(at100 - at0)).toBe(100 * (CHUNK + 20));
    // The journal is still there: a query's writes are undone (Motoko needs that for its next message).
    await replica.queryCall(id, 'burnQuery', rounds(1));
    await replica.queryCall(id, 'burnQuery', rounds(1));
    expect((await state(replica, id)).counter).toBe(2n);
    await replica.close();
    await expect(Replica.create({ instrumentation: 'none', stateDir: '/nonexistent/bigmap-state' })).rejects.toThrow(/stateDir/);
  });
});
