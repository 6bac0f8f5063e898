/**
 * The live driver (live.ts): a submitted message runs at once, not at the next idle
 * wake-up; canister time follows the wall clock round by round, strictly monotonic; the
 * stepped mode never reads the wall clock.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Replica, type ExecutionRecord, type IngressRecord } from './index.ts';
import { NO_ARGS, encode, testCanister } from './test/helpers.ts';

let counterWasm: Uint8Array;
let pingerWasm: Uint8Array;
let pongerWasm: Uint8Array;

beforeAll(() => {
  counterWasm = testCanister('Counter');
  pingerWasm = testCanister('Pinger');
  pongerWasm = testCanister('Ponger');
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function submit(replica: Replica, id: Principal, method: string, arg: Uint8Array): string {
  const submitted = replica.submitCall(id, method, arg);
  if ('reject' in submitted) throw new Error(`${method} was refused: ${submitted.reject.message}`);
  return submitted.messageId;
}

/** A Pinger and a Ponger: `pingSlow` takes a round per step of the Ponger, plus the call and the answer. */
async function pingPong(replica: Replica): Promise<{ pinger: Principal; ponger: Principal }> {
  const ponger = await replica.setupCanister({ wasm: pongerWasm });
  const pinger = await replica.setupCanister({ wasm: pingerWasm });
  return { pinger, ponger };
}

describe('a live replica', () => {
  it('runs a submitted message as soon as the event loop is free, not at its next idle wake-up', async () => {
    const replica = await Replica.create({ initialTimeMs: Date.now() });
    const id = await replica.setupCanister({ wasm: counterWasm });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    try {
      replica.makeLive();
      // Idle: its first turn ran, and the next idle wake-up is some milliseconds away.
      await vi.advanceTimersByTimeAsync(90);
      let answer: IngressRecord | undefined;
      void replica.whenAnswered(submit(replica, id, 'inc', NO_ARGS)).then((record) => (answer = record));
      // No time passes: only what is due now runs.
      await vi.advanceTimersByTimeAsync(0);
      expect(answer?.status).toBe('replied');
      expect(IDL.decode([IDL.Nat], answer!.reply!)[0]).toBe(1n);

      // Many messages submitted at once share one turn.
      const ids = Array.from({ length: 5 }, () => submit(replica, id, 'inc', NO_ARGS));
      const answers: IngressRecord[] = [];
      for (const messageId of ids) void replica.whenAnswered(messageId).then((record) => answers.push(record));
      await vi.advanceTimersByTimeAsync(0);
      expect(answers.map((r) => IDL.decode([IDL.Nat], r.reply!)[0])).toEqual([2n, 3n, 4n, 5n, 6n]);
    } finally {
      await replica.close();
    }
  });

  it('sets canister time from the wall clock before every round of a turn, not once per turn', async () => {
    const executions: ExecutionRecord[] = [];
    const start = Date.now();
    const replica = await Replica.create({ initialTimeMs: start, onExecuted: (record) => executions.push(record) });
    const { pinger, ponger } = await pingPong(replica);
    const seen = executions.length;
    // A wall clock that moves 1 ms each time it is read, a minute ahead of canister time.
    let wall = start + 60_000;
    vi.spyOn(Date, 'now').mockImplementation(() => ++wall);
    replica.makeLive();
    try {
      const answer = await replica.whenAnswered(submit(replica, pinger, 'pingSlow', encode([IDL.Principal, IDL.Nat], [ponger, 5n])));
      expect(answer.status).toBe('replied');
    } finally {
      await replica.close();
    }
    // Executions in one round share its time; each later round took the wall clock's time anew.
    const times = [...new Set(executions.slice(seen).map((e) => e.timeNanos))];
    expect(times.length).toBeGreaterThanOrEqual(6);
    expect(times[0]).toBeGreaterThan(BigInt(start + 60_000) * 1_000_000n);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1], `round ${i}`).toBeGreaterThanOrEqual(1_000_000n);
  });

  it('keeps time strictly monotonic when the wall clock is behind it', async () => {
    const executions: ExecutionRecord[] = [];
    const replica = await Replica.create({ initialTimeMs: Date.now() + 3_600_000, onExecuted: (record) => executions.push(record) });
    const { pinger, ponger } = await pingPong(replica);
    const before = replica.timeNanos;
    const seen = executions.length;
    vi.spyOn(Date, 'now').mockImplementation(() => 1_000); // 1970
    replica.makeLive();
    try {
      expect((await replica.whenAnswered(submit(replica, pinger, 'pingSlow', encode([IDL.Principal, IDL.Nat], [ponger, 5n])))).status).toBe('replied');
    } finally {
      await replica.close();
    }
    const times = [...new Set(executions.slice(seen).map((e) => e.timeNanos))];
    expect(times.length).toBeGreaterThanOrEqual(6);
    expect(times[0]).toBeGreaterThan(before);
    // The replica adds 1 ns a round and never goes back.
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1n);
    expect(times.at(-1)! - before).toBeLessThan(1_000n);
  });
});

describe('a stepped replica', () => {
  it('never takes the wall clock: a round adds 1 ns', async () => {
    const executions: ExecutionRecord[] = [];
    const replica = await Replica.create({ onExecuted: (record) => executions.push(record) });
    const { pinger, ponger } = await pingPong(replica);
    const now = vi.spyOn(Date, 'now').mockImplementation(() => Date.UTC(2099, 0, 1));
    const before = replica.timeNanos;
    const seen = executions.length;
    submit(replica, pinger, 'pingSlow', encode([IDL.Principal, IDL.Nat], [ponger, 5n]));
    await replica.tick(10);
    expect(replica.timeNanos).toBe(before + 10n);
    for (const e of executions.slice(seen)) expect(e.timeNanos - before).toBeLessThanOrEqual(10n);
    expect(now).not.toHaveBeenCalled();
    await replica.close();
  });
});
