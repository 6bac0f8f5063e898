/** Fault injection: each fault does what faults.ts says, and only while it is on. */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomFaults } from './faults.ts';
import { CanisterRejectError, Replica } from './index.ts';
import { NO_ARGS, decode, encode, testCanister } from './test/helpers.ts';

const nat = (bytes: Uint8Array) => decode([IDL.Nat], bytes)[0] as bigint;
let counterWasm: Uint8Array;
let pingerWasm: Uint8Array;
let pongerWasm: Uint8Array;
beforeAll(() => {
  counterWasm = testCanister('Counter');
  pingerWasm = testCanister('Pinger');
  pongerWasm = testCanister('Ponger');
});

async function pingPong() {
  const replica = await Replica.create();
  const pinger = await replica.setupCanister({ wasm: pingerWasm });
  const ponger = await replica.setupCanister({ wasm: pongerWasm });
  return { replica, pinger, ponger };
}

describe('fault injection', () => {
  it('rejects inter-canister calls with SYS_TRANSIENT, which the caller sees as such', async () => {
    const { replica, pinger, ponger } = await pingPong();
    replica.injectFaults({ rejectCall: ({ to }) => to.toText() === ponger.toText() });
    const answer = decode([IDL.Text], await replica.updateCall(pinger, 'pingRefused', encode([IDL.Principal, IDL.Text], [ponger, 'x'])))[0];
    expect(answer).toMatch(/^#system_transient:Injected fault: the call to .* refuse was rejected \(SYS_TRANSIENT\)$/);
    replica.injectFaults(undefined);
    expect(nat(await replica.updateCall(pinger, 'ping', encode([IDL.Principal, IDL.Nat], [ponger, 4])))).toBe(5n);
  });

  it('traps a chosen execution after it ran, rolling back what it did', async () => {
    const replica = await Replica.create();
    const counter = await replica.setupCanister({ wasm: counterWasm });
    await replica.updateCall(counter, 'inc', NO_ARGS);
    replica.injectFaults({ trapExecution: ({ method }) => method === 'inc' });
    const error = await replica.updateCall(counter, 'inc', NO_ARGS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanisterRejectError);
    expect((error as CanisterRejectError).errorCode).toBe('IC0502');
    expect((error as Error).message).toMatch(/injected fault/);
    expect(nat(await replica.queryCall(counter, 'get', NO_ARGS))).toBe(1n);
    replica.injectFaults(undefined);
    expect(nat(await replica.updateCall(counter, 'inc', NO_ARGS))).toBe(2n);
  });

  it('holds responses back, so a later call can be answered first', async () => {
    const { replica, pinger, ponger } = await pingPong();
    let first = true;
    replica.injectFaults({
      delayResponse: () => {
        const rounds = first ? 6 : 0;
        first = false;
        return rounds;
      },
    });
    const answered: bigint[] = [];
    for (const n of [10, 20]) {
      const sent = replica.submitCall(pinger, 'ping', encode([IDL.Principal, IDL.Nat], [ponger, n]));
      if (!('messageId' in sent)) throw new Error('refused');
      void replica.whenAnswered(sent.messageId).then((record) => answered.push(nat(record.reply!)));
    }
    while (replica.hasPendingWork) await replica.tick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toEqual([21n, 11n]);
  });

  it('runs a canister out of cycles: it is frozen and refuses calls', async () => {
    const replica = await Replica.create();
    const counter = await replica.setupCanister({ wasm: counterWasm });
    replica.setCyclesBalance(counter, 0n);
    const error = await replica.updateCall(counter, 'inc', NO_ARGS).catch((e: unknown) => e);
    expect((error as CanisterRejectError).errorCode).toBe('IC0207');
    await replica.addCycles(counter, 10n ** 12n);
    expect(nat(await replica.updateCall(counter, 'inc', NO_ARGS))).toBe(1n);
  });

  it('draws random faults reproducibly from a seed, and counts them', async () => {
    const call = { from: Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai'), to: Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai'), method: 'm' };
    const draw = (seed: number) => {
      const faults = randomFaults({ seed, rejectCalls: 0.5 });
      return Array.from({ length: 40 }, () => faults.rejectCall!(call));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    const faults = randomFaults({ seed: 3, rejectCalls: 1 });
    faults.rejectCall!(call);
    expect(faults.injected.rejectedCalls).toBe(1);
  });
});
