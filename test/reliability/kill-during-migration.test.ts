/**
 * kill -9 of the replica's process in the middle of a migration's copy phase, then a
 * restart from the state directory: the migration finishes, and every acknowledged write
 * is there, once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, 'processes', 'migrating-bigmap.ts');
const valueOf = (n: number) => `value-${n}-${'x'.repeat(300)}`;
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bigmap-kill-migration-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the loader until it reports a migration in its copy phase, then kills it. @returns keys acknowledged */
function loadUntilCopying(dir: string): Promise<{ acked: number; phase: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, 'load'], { stdio: 'pipe' });
    let acked = 0;
    let phase = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, a, b] = line.split(' ');
      if (kind === 'ack') acked = Math.max(acked, Number(b));
      if (kind === 'migrating' && a === 'copy' && !phase) {
        phase = a;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ acked, phase });
      else reject(new Error(`the loader exited with ${code ?? signal} before a migration copied: ${stderr}`));
    });
  });
}

function verify(dir: string): Promise<{ restored: boolean; keys: Record<string, string>; stored: number; canisters: number; finished: number; active: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, 'verify'], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Awaited<ReturnType<typeof verify>>) : reject(new Error(`verify exited with ${code}: ${stderr}`))));
  });
}

describe('a replica killed during a migration', () => {
  it('finishes the migration after a restart, with every acknowledged write there once', async () => {
    const dir = join(root, 'state');
    const { acked, phase } = await loadUntilCopying(dir);
    expect(phase).toBe('copy');
    expect(acked).toBeGreaterThan(0);

    const after = await verify(dir);
    expect(after.restored).toBe(true);
    expect(after.active, 'no migration left running or queued').toBe(0);
    expect(after.finished, 'the interrupted migration finished').toBeGreaterThanOrEqual(1);
    expect(after.canisters).toBeGreaterThan(1);
    for (let n = 0; n < acked; n++) expect(after.keys[`k${n}`], `k${n}`).toBe(valueOf(n));
    // At most the batch that was being written when the kill came is there unacknowledged.
    const present = Object.keys(after.keys).length;
    expect(present).toBeLessThanOrEqual(acked + 20);
    expect(after.stored, 'every key in exactly one canister').toBe(present);
  });
});
