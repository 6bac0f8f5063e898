import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, IngressTooLargeError, MANAGEMENT_CANISTER, Replica, canisterIdFromU64, type ExecutionRecord } from './index.ts';
import { InstallCodeArgs, CanisterStatusResult, CanisterIdArgs } from './management/interface.ts';
import { assertSupportedRuntime } from './replica.ts';
import { NO_ARGS, decode, encode, rejection, testCanister } from './test/helpers.ts';

const nat = (bytes: Uint8Array) => decode([IDL.Nat], bytes)[0] as bigint;
const owner = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');


let counterWasm: Uint8Array;
let pingerWasm: Uint8Array;
let pongerWasm: Uint8Array;
beforeAll(() => {
  counterWasm = testCanister('Counter');
  pingerWasm = testCanister('Pinger');
  pongerWasm = testCanister('Ponger');
});

describe('canister ids', () => {
  it('mints ids like the IC from_u64', () => {
    expect(canisterIdFromU64(0n).toText()).toBe('rwlgt-iiaaa-aaaaa-aaaaa-cai');
    expect(canisterIdFromU64(1n).toText()).toBe('rrkah-fqaaa-aaaaa-aaaaq-cai');
    expect(canisterIdFromU64(0xffffffffffe00000n).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
  });

  it('creates the first canister at the id a dfx local replica uses', async () => {
    const replica = await Replica.create();
    expect((await replica.createCanister()).toText()).toBe('bkyz2-fmaaa-aaaaa-qaaaq-cai');
  });
});

describe('upgrades', () => {
  it('keeps heap and stable memory across an upgrade with wasm_memory_persistence = keep', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    await replica.updateCall(id, 'inc', NO_ARGS);
    await replica.updateCall(id, 'inc', NO_ARGS);
    await replica.updateCall(id, 'writeStable', encode([IDL.Nat8], [42]));
    await replica.upgradeCanister(id, counterWasm, NO_ARGS);
    expect(nat(await replica.queryCall(id, 'get', NO_ARGS))).toBe(2n);
    expect(decode([IDL.Nat8], await replica.queryCall(id, 'readStable', NO_ARGS))[0]).toBe(42);
  });

  it('reinstall wipes heap and stable memory', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    await replica.updateCall(id, 'inc', NO_ARGS);
    await replica.updateCall(id, 'writeStable', encode([IDL.Nat8], [42]));
    await replica.reinstallCode(id, counterWasm, NO_ARGS);
    expect(nat(await replica.queryCall(id, 'get', NO_ARGS))).toBe(0n);
    expect(decode([IDL.Nat8], await replica.queryCall(id, 'readStable', NO_ARGS))[0]).toBe(0);
  });

  it('refuses to upgrade an enhanced-orthogonal-persistence canister without wasm_memory_persistence', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    await replica.updateCall(id, 'inc', NO_ARGS);
    const arg = encode([InstallCodeArgs], [{ mode: { upgrade: [] }, canister_id: id, wasm_module: counterWasm, arg: NO_ARGS, sender_canister_version: [] }]);
    const error = await rejection(replica.updateCall(MANAGEMENT_CANISTER, 'install_code', arg, { effectiveCanisterId: id }));
    expect(error.rejectMessage).toContain('Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option.');
    expect(nat(await replica.queryCall(id, 'get', NO_ARGS))).toBe(1n);
  });

  it('leaves the canister as it was when post_upgrade traps', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    await replica.updateCall(id, 'inc', NO_ARGS);
    // Counter takes no init argument; a malformed one makes post_upgrade trap while decoding.
    const error = await rejection(replica.upgradeCanister(id, counterWasm, new TextEncoder().encode('not candid')));
    expect(error.errorCode).toMatch(/IC050[23]/);
    expect(nat(await replica.updateCall(id, 'inc', NO_ARGS))).toBe(2n);
  });

  it('refuses install on a canister that has code', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    const error = await rejection(replica.installCode(id, counterWasm, NO_ARGS));
    expect(error.errorCode).toBe(ErrorCode.CanisterNonEmpty);
  });

  it('only lets controllers install code', async () => {
    const replica = await Replica.create();
    const id = await replica.createCanister({ controllers: [owner] });
    const error = await rejection(replica.installCode(id, counterWasm, NO_ARGS));
    expect(error.errorCode).toBe(ErrorCode.CanisterInvalidController);
    await replica.installCode(id, counterWasm, NO_ARGS, { sender: owner });
    expect(nat(await replica.updateCall(id, 'inc', NO_ARGS))).toBe(1n);
  });
});

describe('atomic execution', () => {
  it('a trap leaves heap, stable memory and timers exactly as before the message', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    await replica.updateCall(id, 'inc', NO_ARGS);
    await replica.updateCall(id, 'writeStable', encode([IDL.Nat8], [7]));

    const error = await rejection(replica.updateCall(id, 'incThenTrap', NO_ARGS));
    expect(error.errorCode).toBe(ErrorCode.CanisterCalledTrap);
    expect(error.rejectCode).toBe(5);
    expect(error.rejectMessage).toContain('boom after changing state');

    expect(nat(await replica.queryCall(id, 'get', NO_ARGS))).toBe(1n);
    expect(decode([IDL.Nat8], await replica.queryCall(id, 'readStable', NO_ARGS))[0]).toBe(7);
    await replica.advanceTime(60_000);
    await replica.tick(10);
    expect(nat(await replica.queryCall(id, 'timerCount', NO_ARGS))).toBe(0n);
  });

  it('commits what ran before an await and rolls back a trapping callback, keeping its cleanup', async () => {
    const replica = await Replica.create();
    const ponger = await replica.setupCanister({ wasm: pongerWasm });
    const pinger = await replica.setupCanister({ wasm: pingerWasm });
    const error = await rejection(replica.updateCall(pinger, 'trapAfterAwait', encode([IDL.Principal], [ponger])));
    expect(error.errorCode).toBe(ErrorCode.CanisterCalledTrap);
    expect(error.rejectMessage).toContain('trap in the callback');
    const [beforeAwait, afterAwait, cleanedUp] = decode([IDL.Nat, IDL.Nat, IDL.Nat], await replica.queryCall(pinger, 'counters', NO_ARGS));
    expect({ beforeAwait, afterAwait, cleanedUp }).toEqual({ beforeAwait: 1n, afterAwait: 0n, cleanedUp: 1n });
  });

  it('keeps ic0.time constant within an execution and increasing across rounds', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    const [a, b] = decode([IDL.Int, IDL.Int], await replica.updateCall(id, 'now', NO_ARGS)) as bigint[];
    const [c] = decode([IDL.Int, IDL.Int], await replica.updateCall(id, 'now', NO_ARGS)) as bigint[];
    expect(a).toBe(b);
    expect(c).toBeGreaterThan(a);
  });
});

describe('inter-canister calls', () => {
  let replica: Replica;
  let ponger: Principal;
  let pinger: Principal;
  beforeAll(async () => {
    replica = await Replica.create();
    ponger = await replica.setupCanister({ wasm: pongerWasm });
    pinger = await replica.setupCanister({ wasm: pingerWasm });
  });

  it('delivers a call and its reply', async () => {
    expect(nat(await replica.updateCall(pinger, 'ping', encode([IDL.Principal, IDL.Nat], [ponger, 41n])))).toBe(42n);
    expect(nat(await replica.queryCall(ponger, 'count', NO_ARGS))).toBeGreaterThan(0n);
  });

  it("hands the callee's reject to the caller with its code and message", async () => {
    const [text] = decode([IDL.Text], await replica.updateCall(pinger, 'pingRefused', encode([IDL.Principal, IDL.Text], [ponger, 'no thanks'])));
    expect(text).toBe('#canister_reject:no thanks');
  });

  it("propagates the callee's trap to the original caller", async () => {
    const error = await rejection(replica.updateCall(pinger, 'pingExplode', encode([IDL.Principal], [ponger])));
    expect(error.rejectMessage).toContain(`Canister ${ponger.toText()} trapped explicitly: ponger exploded`);
  });

  it('rejects a call to a canister that does not exist', async () => {
    const missing = canisterIdFromU64(0x8000_0000_0010_9999n);
    const error = await rejection(replica.updateCall(pinger, 'ping', encode([IDL.Principal, IDL.Nat], [missing, 1n])));
    expect(error.rejectMessage).toContain(`Canister ${missing.toText()} not found`);
  });

  it('rejects an unknown method with IC0536', async () => {
    const error = await rejection(replica.updateCall(ponger, 'nope', NO_ARGS));
    expect(error.errorCode).toBe(ErrorCode.CanisterMethodNotFound);
    expect(error.rejectMessage).toContain("has no update method 'nope'");
  });

  it('runs the same calls in the same order on two replicas (deterministic scheduling)', async () => {
    const traceOf = async () => {
      const trace: string[] = [];
      const r = await Replica.create({ onExecuted: (e: ExecutionRecord) => trace.push(`${e.canister.toText()} ${e.kind} ${e.method ?? ''} ${e.trapped ? 'trap' : ''}`) });
      const pong = await r.setupCanister({ wasm: pongerWasm });
      const ping = await r.setupCanister({ wasm: pingerWasm });
      const calls = [
        r.updateCall(ping, 'pingSlow', encode([IDL.Principal, IDL.Nat], [pong, 3n])),
        r.updateCall(ping, 'ping', encode([IDL.Principal, IDL.Nat], [pong, 1n])),
        r.updateCall(pong, 'pong', encode([IDL.Nat], [5n])),
      ];
      await Promise.all(calls);
      return trace;
    };
    const first = await traceOf();
    expect(first.length).toBeGreaterThan(10);
    expect(await traceOf()).toEqual(first);
  });
});

describe('management canister', () => {
  it('spawns an actor class with cycles, calls it and upgrades it keeping its state', async () => {
    const replica = await Replica.create();
    const parent = await replica.setupCanister({ wasm: testCanister('Parent'), cycles: 10n ** 14n });
    const [child] = decode([IDL.Principal], await replica.updateCall(parent, 'spawn', encode([IDL.Nat], [5n]))) as Principal[];
    expect(replica.getControllers(child).map((p) => p.toText())).toEqual([parent.toText()]);
    // The cycles sent, less the creation fee and what its install (start, init) executed: 2 cycles an instruction (wasm64).
    expect(replica.getCyclesBalance(child)).toBe(1_000_000_000_000n - 500_000_000_000n - 2n * replica.canisterState(child)!.stats.instructionsTotal);
    expect(replica.canisterState(child)!.stats.instructionsTotal).toBeGreaterThan(0n);
    expect(nat(await replica.updateCall(parent, 'addToChild', encode([IDL.Nat], [10n])))).toBe(15n);
    await replica.updateCall(parent, 'upgradeChild', NO_ARGS);
    expect(nat(await replica.queryCall(child, 'get', NO_ARGS))).toBe(15n);
  });

  it('stop_canister waits for an outstanding call, and a stopping canister refuses new calls', async () => {
    const replica = await Replica.create();
    const ponger = await replica.setupCanister({ wasm: pongerWasm });
    const pinger = await replica.setupCanister({ wasm: pingerWasm });
    const ping = replica.submitCall(pinger, 'pingSlow', encode([IDL.Principal, IDL.Nat], [ponger, 20n]));
    if (!('messageId' in ping)) throw new Error('ping was refused');
    await replica.tick(); // pinger runs and calls ponger; its call context stays open
    const stop = replica.submitCall(MANAGEMENT_CANISTER, 'stop_canister', encode([CanisterIdArgs], [{ canister_id: pinger }]), { effectiveCanisterId: pinger });
    if (!('messageId' in stop)) throw new Error('stop was refused');
    await replica.tick();
    expect(replica.canisterState(pinger)?.status).toBe('stopping');
    const refused = await rejection(replica.updateCall(pinger, 'ping', encode([IDL.Principal, IDL.Nat], [ponger, 1n])));
    expect(refused.errorCode).toBe(ErrorCode.CanisterStopping);

    await replica.awaitCall(stop.messageId);
    expect(replica.ingressStatus(ping.messageId)?.status).toBe('replied');
    expect(nat(await replica.awaitCall(ping.messageId))).toBe(20n);
    expect(replica.canisterState(pinger)?.status).toBe('stopped');

    await replica.startCanister(pinger);
    expect(nat(await replica.updateCall(pinger, 'ping', encode([IDL.Principal, IDL.Nat], [ponger, 1n])))).toBe(2n);
  });

  it('decodes canister_status with the specification Candid type, in TypeScript and in Motoko', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm, controllers: [owner, Principal.anonymous()] });
    await replica.queryCall(id, 'get', NO_ARGS);
    const raw = await replica.updateCall(MANAGEMENT_CANISTER, 'canister_status', encode([CanisterIdArgs], [{ canister_id: id }]), { effectiveCanisterId: id });
    const [status] = IDL.decode([CanisterStatusResult], raw) as Array<Record<string, unknown>>;
    expect(status.status).toEqual({ running: null });
    expect((status.settings as { controllers: Principal[] }).controllers.map((p) => p.toText()).sort()).toEqual([owner.toText(), Principal.anonymous().toText()].sort());
    expect(status.memory_size as bigint).toBeGreaterThan(1_000_000n);
    expect((status.module_hash as Uint8Array[])[0]).toHaveLength(32);
    expect((status.query_stats as { num_calls_total: bigint }).num_calls_total).toBe(1n);

    const [memory, cycles, hasModule] = decode([IDL.Nat, IDL.Nat, IDL.Bool], await replica.updateCall(id, 'selfStatus', NO_ARGS));
    expect(memory).toBeGreaterThan(1_000_000n);
    expect(cycles).toBeGreaterThan(0n);
    expect(hasModule).toBe(true);
  });

  it('deletes only a stopped canister and never reuses its id', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    expect((await rejection(replica.deleteCanister(id))).errorCode).toBe(ErrorCode.CanisterNotStopped);
    await replica.stopCanister(id);
    await replica.deleteCanister(id);
    expect((await rejection(replica.updateCall(id, 'inc', NO_ARGS))).errorCode).toBe(ErrorCode.CanisterNotFound);
    expect((await replica.createCanister()).toText()).not.toBe(id.toText());
  });
});

describe('time and timers', () => {
  it('fires a timer once advanceTime passes its deadline and the scheduler ticks', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    await replica.updateCall(id, 'setTimer', encode([IDL.Nat], [10n]));
    await replica.advanceTime(9_000);
    await replica.tick(5);
    expect(nat(await replica.queryCall(id, 'timerCount', NO_ARGS))).toBe(0n);
    await replica.advanceTime(1_000);
    await replica.tick(5);
    expect(nat(await replica.queryCall(id, 'timerCount', NO_ARGS))).toBe(1n);
  });
});

describe('cycles', () => {
  it('refuses calls to a frozen canister with IC0207 until it is topped up', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm, cycles: 2_000_000_000_000n });
    // A freezing threshold of 100 years makes the balance too small to run.
    await replica.updateCanisterSettings(id, { freezing_threshold: [3_153_600_000n] });
    const error = await rejection(replica.updateCall(id, 'inc', NO_ARGS));
    expect(error.errorCode).toBe(ErrorCode.CanisterOutOfCycles);
    expect(error.rejectCode).toBe(2);
    await replica.addCycles(id, 10n ** 18n);
    expect(nat(await replica.updateCall(id, 'inc', NO_ARGS))).toBe(1n);
  });

  it('charges executions and burns cycles for storage over time', async () => {
    const replica = await Replica.create();
    const id = await replica.setupCanister({ wasm: counterWasm });
    const before = replica.getCyclesBalance(id);
    await replica.updateCall(id, 'inc', NO_ARGS);
    const afterCall = replica.getCyclesBalance(id);
    expect(afterCall).toBeLessThan(before);
    await replica.advanceTime(86_400_000);
    await replica.tick();
    expect(replica.getCyclesBalance(id)).toBeLessThan(afterCall);
  });
});

describe('limits', () => {
  let replica: Replica;
  let counter: Principal;
  let pinger: Principal;
  let ponger: Principal;
  beforeAll(async () => {
    replica = await Replica.create();
    counter = await replica.setupCanister({ wasm: counterWasm });
    ponger = await replica.setupCanister({ wasm: pongerWasm });
    pinger = await replica.setupCanister({ wasm: pingerWasm });
  });

  it('refuses an ingress message over 2 MiB before it reaches the canister', async () => {
    const big = encode([IDL.Vec(IDL.Nat8)], [new Uint8Array(2 * 1024 * 1024 + 1)]);
    await expect(replica.updateCall(ponger, 'sink', big)).rejects.toBeInstanceOf(IngressTooLargeError);
    expect(nat(await replica.queryCall(ponger, 'count', NO_ARGS))).toBe(0n);
  });

  it('traps a canister that builds an inter-canister call over 2 MiB', async () => {
    const error = await rejection(replica.updateCall(pinger, 'sendBlob', encode([IDL.Principal, IDL.Nat], [ponger, 3_000_000n])));
    expect(error.errorCode).toBe(ErrorCode.CanisterContractViolation);
    expect(error.rejectMessage).toMatch(/payload size of \d+, which exceeds the allowed limit of 2097152/);
    expect(nat(await replica.queryCall(ponger, 'count', NO_ARGS))).toBe(0n);
    expect(nat(await replica.updateCall(pinger, 'sendBlob', encode([IDL.Principal, IDL.Nat], [ponger, 1_000_000n])))).toBe(1n);
  });

  it('limits replies to 3 MiB for queries and 2 MiB for updates', async () => {
    const n = (bytes: number) => encode([IDL.Nat], [BigInt(bytes)]);
    expect((await replica.queryCall(counter, 'blobOf', n(2_500_000))).length).toBeGreaterThan(2_500_000);
    expect((await rejection(replica.queryCall(counter, 'blobOf', n(3_200_000)))).rejectMessage).toContain('exceeds the limit of 3145728 bytes');
    expect((await rejection(replica.updateCall(counter, 'blobOf', n(2_500_000)))).rejectMessage).toContain('exceeds the limit of 2097152 bytes');
  });

  it('enforces wasm_memory_limit with IC0539 and rolls the message back', async () => {
    const r = await Replica.create();
    const id = await r.setupCanister({ wasm: counterWasm });
    await r.updateCall(id, 'inc', NO_ARGS);
    const used = (await r.canisterStatus(id)).memory_metrics.wasm_memory_size;
    // Motoko grows its heap in large steps, so leave room for them below the limit.
    await r.updateCanisterSettings(id, { wasm_memory_limit: [used + 64n * 1024n * 1024n] });
    const error = await rejection(r.updateCall(id, 'allocate', encode([IDL.Nat], [8n])));
    expect(error.errorCode).toBe(ErrorCode.CanisterWasmMemoryLimitExceeded);
    expect(nat(await r.queryCall(id, 'get', NO_ARGS))).toBe(1n);
    expect(nat(await r.updateCall(id, 'allocate', encode([IDL.Nat], [1n])))).toBe(1n);
    expect(nat(await r.updateCall(id, 'inc', NO_ARGS))).toBe(2n);
  });
});

describe('runtime', () => {
  it('fails fast with a clear message on a Node.js without wasm64', () => {
    const original = process.versions.node;
    Object.defineProperty(process.versions, 'node', { value: '20.20.2', configurable: true });
    try {
      expect(() => assertSupportedRuntime()).toThrow(/needs Node\.js 24 or newer .* this is Node\.js 20\.20\.2/);
    } finally {
      Object.defineProperty(process.versions, 'node', { value: original, configurable: true });
    }
  });
});
