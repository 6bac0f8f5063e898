/**
 * Persistence: what a state directory keeps across a restart, what a checkpoint writes,
 * and what the replica refuses to load.
 *
 * "Crash at this instant" is simulated by copying the state directory while the replica
 * still runs: every file a checkpoint writes is complete before the manifest names it, so
 * the copy is what a kill -9 would leave (crash.test.ts kills a real process).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canisterIdFromU64 } from '../ids.ts';
import { FIRST_CANISTER_ID, Replica } from '../replica.ts';
import { NO_ARGS, decode, encode, testCanister } from '../test/helpers.ts';
import { StateDirectoryError, type ManifestBody } from './state-directory.ts';

const owner = Principal.selfAuthenticating(new Uint8Array(32).fill(7));
let root: string;
let counterWasm: Uint8Array;
let journalWasm: Uint8Array;
let pingerWasm: Uint8Array;
let pongerWasm: Uint8Array;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bigmap-persistence-'));
  counterWasm = testCanister('Counter');
  journalWasm = testCanister('Journal');
  pingerWasm = testCanister('Pinger');
  pongerWasm = testCanister('Ponger');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
const newDir = () => join(root, `state-${++dirs}`);
const manifest = (dir: string): ManifestBody => (JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as { body: ManifestBody }).body;
const nat = (bytes: Uint8Array) => decode([IDL.Nat], bytes)[0] as bigint;

async function append(r: Replica, journal: Principal, from: number, count: number, payloadBytes = 1024): Promise<void> {
  for (let n = from; n < from + count; n++) {
    await r.updateCall(journal, 'append', encode([IDL.Nat, IDL.Vec(IDL.Nat8)], [n, new Uint8Array(payloadBytes).fill(n % 251)]));
  }
}

async function check(r: Replica, journal: Principal): Promise<{ length: number; consistent: boolean; bytes: number }> {
  const [length, consistent, bytes] = decode([IDL.Nat, IDL.Bool, IDL.Nat], await r.queryCall(journal, 'check', NO_ARGS)) as [bigint, boolean, bigint];
  return { length: Number(length), consistent, bytes: Number(bytes) };
}

/** What a kill -9 at this instant would leave: a copy of the directory. */
function crashCopy(dir: string): string {
  const copy = `${dir}-crash`;
  cpSync(dir, copy, { recursive: true });
  rmSync(join(copy, 'LOCK'));
  return copy;
}

describe('a restart from the state directory', () => {
  it('keeps canisters, memories, globals, settings, cycles, timers, keys, time and the id counter', async () => {
    const dir = newDir();
    const r1 = await Replica.create({ stateDir: dir, checkpointIntervalMs: 3_600_000 });
    const counter = await r1.setupCanister({ wasm: counterWasm, sender: owner });
    const journal = await r1.setupCanister({ wasm: journalWasm });
    for (let i = 0; i < 3; i++) await r1.updateCall(counter, 'inc', NO_ARGS);
    await r1.updateCall(counter, 'writeStable', encode([IDL.Nat8], [7]));
    await r1.updateCall(counter, 'setTimer', encode([IDL.Nat], [100]));
    await r1.updateCanisterSettings(counter, { freezing_threshold: [1234n] }, { sender: owner });
    await append(r1, journal, 0, 200);
    const before = { cycles: r1.getCyclesBalance(counter), time: r1.timeNanos, rootKey: r1.rootKeyDer, status: await r1.canisterStatus(counter, { sender: owner }) };
    const cyclesAfterStatus = r1.getCyclesBalance(counter);
    await r1.close(); // the interval is an hour: close() took the checkpoint

    const r2 = await Replica.create({ stateDir: dir });
    expect(r2.canisterIds().map((id) => id.toText())).toEqual([counter.toText(), journal.toText()]);
    expect(r2.getCyclesBalance(counter)).toBe(cyclesAfterStatus);
    expect(r2.timeNanos).toBeGreaterThan(before.time);
    expect(r2.rootKeyDer).toEqual(before.rootKey);
    expect(nat(await r2.queryCall(counter, 'get', NO_ARGS))).toBe(3n);
    expect(decode([IDL.Nat8], await r2.queryCall(counter, 'readStable', NO_ARGS))[0]).toBe(7);
    expect(await check(r2, journal)).toEqual({ length: 200, consistent: true, bytes: 200 * 1024 });
    const status = await r2.canisterStatus(counter, { sender: owner });
    expect(status.settings.freezing_threshold).toBe(1234n);
    expect(status.settings.controllers.map((p) => p.toText())).toEqual([owner.toText()]);
    expect(status.module_hash).toEqual(before.status.module_hash);
    expect(status.memory_size).toBe(before.status.memory_size);

    // The timer set before the restart fires after it.
    expect(nat(await r2.queryCall(counter, 'timerCount', NO_ARGS))).toBe(0n);
    await r2.advanceTime(100_000);
    await r2.tick(3);
    expect(nat(await r2.queryCall(counter, 'timerCount', NO_ARGS))).toBe(1n);

    // It keeps working: updates, upgrades that keep memory, new canisters with the next id.
    expect(nat(await r2.updateCall(counter, 'inc', NO_ARGS))).toBe(4n);
    await r2.upgradeCanister(counter, counterWasm, NO_ARGS, { sender: owner });
    expect(nat(await r2.queryCall(counter, 'get', NO_ARGS))).toBe(4n);
    const third = await r2.createCanister();
    expect(third.toText()).toBe(canisterIdFromU64(FIRST_CANISTER_ID + 2n).toText());
    expect(r2.canisterIds()).toHaveLength(3);
    await r2.close();
  });

  it('keeps messages in queues and calls in flight, and answers them after the restart', async () => {
    const dir = newDir();
    const r1 = await Replica.create({ stateDir: dir });
    const pinger = await r1.setupCanister({ wasm: pingerWasm });
    const ponger = await r1.setupCanister({ wasm: pongerWasm });
    const sent = r1.submitCall(pinger, 'pingSlow', encode([IDL.Principal, IDL.Nat], [ponger, 20]));
    if (!('messageId' in sent)) throw new Error('refused');
    await r1.tick(5); // the call is in flight: pinger waits, ponger loops
    expect(r1.ingressStatus(sent.messageId)?.status).toBe('received');
    await r1.close();

    const r2 = await Replica.create({ stateDir: dir });
    expect(nat(await r2.awaitCall(sent.messageId))).toBe(20n);
    await r2.close();
  });
});

describe('checkpoints', () => {
  it('write only the pages that changed, and fold long chains into a full file', async () => {
    const dir = newDir();
    const r = await Replica.create({ stateDir: dir, checkpointIntervalMs: 3_600_000 });
    const journal = await r.setupCanister({ wasm: journalWasm });
    await append(r, journal, 0, 2000);
    await r.checkpoint();
    const id = journal.toText();
    const full = manifest(dir).pages[id];
    expect(full).toHaveLength(1);

    await append(r, journal, 2000, 1);
    await r.checkpoint();
    const chain = manifest(dir).pages[id];
    expect(chain).toHaveLength(2);
    expect(chain[0]).toEqual(full[0]);
    // One append (and the garbage collector's increment) touches a few pages, not the 2 MB written before.
    expect(chain[1].bytes).toBeLessThan(full[0].bytes / 4);

    const lengths: number[] = [];
    for (let n = 2001; n < 2041; n++) {
      await append(r, journal, n, 1);
      await r.checkpoint();
      lengths.push(manifest(dir).pages[id].length);
    }
    expect(Math.max(...lengths)).toBeLessThanOrEqual(17);
    expect(lengths).toContain(1);
    // Files of older checkpoints are gone.
    expect(readdirSync(join(dir, 'pages')).sort()).toEqual(manifest(dir).pages[id].map((e) => e.file).sort());
    await r.close();

    const restored = await Replica.create({ stateDir: dir });
    expect(await check(restored, journal)).toEqual({ length: 2041, consistent: true, bytes: 2041 * 1024 });
    await restored.close();
  });

  it('start a new full file after a reinstall, and leave nothing of a deleted canister', async () => {
    const dir = newDir();
    const r = await Replica.create({ stateDir: dir, checkpointIntervalMs: 3_600_000 });
    const journal = await r.setupCanister({ wasm: journalWasm });
    const counter = await r.setupCanister({ wasm: counterWasm });
    await append(r, journal, 0, 10);
    await r.checkpoint();
    await append(r, journal, 10, 1);
    await r.checkpoint();
    expect(manifest(dir).pages[journal.toText()]).toHaveLength(2);
    await r.reinstallCode(journal, journalWasm, NO_ARGS);
    await r.stopCanister(counter);
    await r.deleteCanister(counter);
    await r.checkpoint();
    const m = manifest(dir);
    expect(m.pages[journal.toText()]).toHaveLength(1);
    expect(m.pages[counter.toText()]).toBeUndefined();
    expect(readdirSync(join(dir, 'pages')).some((f) => f.startsWith(counter.toText()))).toBe(false);
    await r.close();

    const restored = await Replica.create({ stateDir: dir });
    expect(await check(restored, journal)).toEqual({ length: 0, consistent: true, bytes: 0 });
    expect(restored.canisterIds().map((c) => c.toText())).toEqual([journal.toText()]);
    await restored.close();
  });
});

describe('durability', () => {
  it('interval: a crash loses the updates since the last checkpoint, and nothing before it', async () => {
    const dir = newDir();
    const r = await Replica.create({ stateDir: dir, checkpointIntervalMs: 3_600_000 });
    const journal = await r.setupCanister({ wasm: journalWasm });
    await append(r, journal, 0, 5);
    await r.checkpoint();
    await append(r, journal, 5, 3);
    const crashed = crashCopy(dir);
    await r.close();

    const restored = await Replica.create({ stateDir: crashed });
    expect(await check(restored, journal)).toEqual({ length: 5, consistent: true, bytes: 5 * 1024 });
    await restored.close();
  });

  it('every-update: an update is answered only once a checkpoint holds it', async () => {
    const dir = newDir();
    const r = await Replica.create({ stateDir: dir, checkpointIntervalMs: 3_600_000, durability: 'every-update' });
    const journal = await r.setupCanister({ wasm: journalWasm });
    const sequence = manifest(dir).sequence;
    await append(r, journal, 0, 3);
    expect(manifest(dir).sequence).toBeGreaterThan(sequence);
    const crashed = crashCopy(dir);
    // Concurrent updates share checkpoints.
    const before = manifest(dir).sequence;
    const answers = [3, 4, 5, 6].map((n) => {
      const sent = r.submitCall(journal, 'append', encode([IDL.Nat, IDL.Vec(IDL.Nat8)], [n, new Uint8Array(8)]));
      if (!('messageId' in sent)) throw new Error('refused');
      return r.whenAnswered(sent.messageId).then((record) => nat(record.reply!));
    });
    await r.tick(2);
    const results = await Promise.all(answers);
    expect(results).toEqual([4n, 5n, 6n, 7n]);
    expect(manifest(dir).sequence - before).toBeLessThanOrEqual(2);
    await r.close();

    const restored = await Replica.create({ stateDir: crashed });
    expect((await check(restored, journal)).length).toBe(3);
    await restored.close();
  });
});

describe('a state directory that cannot be used is refused, and nothing is loaded', () => {
  async function withCheckpoint(): Promise<{ dir: string; journal: Principal }> {
    const dir = newDir();
    const r = await Replica.create({ stateDir: dir });
    const journal = await r.setupCanister({ wasm: journalWasm });
    await append(r, journal, 0, 20);
    await r.close();
    return { dir, journal };
  }

  it('a directory with other files', async () => {
    const dir = newDir();
    cpSync(join(import.meta.dirname, 'page-file.ts'), join(dir, 'notes.ts'));
    await expect(Replica.create({ stateDir: dir })).rejects.toThrow(/holds no replica state \(no MANIFEST\.json; found notes\.ts\)/);
    expect(readdirSync(dir)).toEqual(['notes.ts']);
  });

  it('a damaged page file', async () => {
    const { dir } = await withCheckpoint();
    const [file] = readdirSync(join(dir, 'pages'));
    const bytes = readFileSync(join(dir, 'pages', file));
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(join(dir, 'pages', file), bytes);
    const error = await Replica.create({ stateDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateDirectoryError);
    expect((error as Error).message).toMatch(new RegExp(`damaged: ${file} does not match its checksum.*Nothing was loaded`));
    // The directory is left as it was, and unlocked.
    expect(readdirSync(dir)).not.toContain('LOCK');
  });

  it('a missing file', async () => {
    const { dir } = await withCheckpoint();
    rmSync(join(dir, manifest(dir).snapshot.file));
    await expect(Replica.create({ stateDir: dir })).rejects.toThrow(/damaged: snapshot-\d+\.json cannot be read/);
  });

  it('an edited manifest', async () => {
    const { dir } = await withCheckpoint();
    const path = join(dir, 'MANIFEST.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"sequence": \d+/, '"sequence": 99'));
    await expect(Replica.create({ stateDir: dir })).rejects.toThrow(/damaged: MANIFEST\.json does not match its checksum/);
    writeFileSync(path, '{"checksum": "');
    await expect(Replica.create({ stateDir: dir })).rejects.toThrow(/damaged: MANIFEST\.json is not valid JSON/);
  });

  it('another format', async () => {
    const dir = newDir();
    const r = await Replica.create({ stateDir: dir });
    await r.close();
    const path = join(dir, 'MANIFEST.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('bigmap-replica/1', 'bigmap-replica/9'));
    await expect(Replica.create({ stateDir: dir })).rejects.toThrow(/format "bigmap-replica\/9"; this replica reads "bigmap-replica\/1"/);
  });

  it('a directory another replica uses', async () => {
    const dir = newDir();
    const r = await Replica.create({ stateDir: dir });
    await expect(Replica.create({ stateDir: dir })).rejects.toThrow(new RegExp(`in use by process ${process.pid} \\(this process\\)`));
    await r.close();
    const again = await Replica.create({ stateDir: dir });
    await again.close();
  });
});
