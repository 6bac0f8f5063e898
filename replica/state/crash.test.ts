/**
 * kill -9 in the middle of a stream of updates, then a restart from the same state
 * directory: every update acknowledged before the last completed checkpoint is there
 * (with `every-update` durability, every acknowledged update), and the state is
 * consistent (the canister's heap and stable memory agree).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCanister } from '../test/helpers.ts';

const CHILD = join(import.meta.dirname, 'test', 'crash-child.ts');
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bigmap-crash-'));
  testCanister('Journal'); // compiled once, into the cache the children read
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  /** Journal length and consistency when the child came up. */
  restored: { length: number; consistent: boolean };
  lastAck: number;
  lastDurable: number;
}

/**
 * Starts the child, lets it append until a checkpoint holds `acks` more answers (a
 * multiple of 20), lets it go on for `extraMs`, and kills it with SIGKILL.
 */
function runAndKill(dir: string, durability: string, acks: number, extraMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CHILD, dir, durability], { stdio: 'pipe' });
    const run: Run = { restored: { length: -1, consistent: false }, lastAck: 0, lastDurable: 0 };
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, value, flag] = line.split(' ');
      if (kind === 'ready') run.restored = { length: Number(value), consistent: flag === 'true' };
      if (kind === 'ack') run.lastAck = Number(value);
      if (kind === 'durable') run.lastDurable = Math.max(run.lastDurable, Number(value));
      if (kind === 'durable' && !killing && run.lastDurable >= run.restored.length + acks) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(run);
      else reject(new Error(`the child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

describe('a replica killed with SIGKILL mid-stream restarts from its last checkpoint', () => {
  it('interval durability: nothing acknowledged before the last completed checkpoint is lost', async () => {
    const dir = join(root, 'interval');
    let previous: Run | undefined;
    for (const [acks, extraMs] of [[160, 0], [120, 37], [100, 11], [60, 0]] as const) {
      const run = await runAndKill(dir, 'interval', acks, extraMs);
      if (previous) {
        expect(run.restored.consistent).toBe(true);
        expect(run.restored.length).toBeGreaterThanOrEqual(previous.lastDurable);
        // At most the append that was running when the kill came is there unacknowledged.
        expect(run.restored.length).toBeLessThanOrEqual(previous.lastAck + 1);
      }
      previous = run;
    }
  });

  it('every-update durability: nothing acknowledged is lost', async () => {
    const dir = join(root, 'every-update');
    let previous: Run | undefined;
    for (const [acks, extraMs] of [[40, 0], [40, 13], [20, 0]] as const) {
      const run = await runAndKill(dir, 'every-update', acks, extraMs);
      if (previous) {
        expect(run.restored.consistent).toBe(true);
        expect(run.restored.length).toBeGreaterThanOrEqual(previous.lastAck);
        expect(run.restored.length).toBeLessThanOrEqual(previous.lastAck + 1);
      }
      previous = run;
    }
  });
});
