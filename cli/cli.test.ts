/**
 * The real `bigmap` binary, as a user runs it: `start` in one process, the data and admin
 * commands in others, a restart that keeps the data, a clean exit on SIGTERM, and one-line
 * errors with their exit codes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../canisters/build.ts';

const BIN = join(REPO_ROOT, 'bin', 'bigmap.js');
let work: string;
let state: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bigmap <args>` to completion. */
function bigmap(args: string[], input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

interface Started {
  child: ChildProcess;
  info: { url: string; indexCanisterId: string; owner: string; restored: boolean };
  exited: Promise<{ code: number | null; output: string }>;
}

/** Starts `bigmap start --json` and resolves once it says where it runs. */
function start(args: string[] = []): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--state', state, 'start', '--port', '0', '--json', ...args], { cwd: work });
    let stdout = '';
    let stderr = '';
    let announced = false;
    const exited = new Promise<{ code: number | null; output: string }>((done) => child.on('exit', (code) => done({ code, output: stdout + stderr })));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (announced) return;
      try {
        const info = JSON.parse(stdout) as Started['info'];
        announced = true;
        resolve({ child, info, exited });
      } catch {
        // Not all of it yet.
      }
    });
    void exited.then(({ code, output }) => {
      if (!announced) reject(new Error(`bigmap start exited with ${code}: ${output}`));
    });
  });
}

async function stop(started: Started): Promise<{ code: number | null; output: string }> {
  started.child.kill('SIGTERM');
  return started.exited;
}

/** A user mistake is one line on stderr, never a stack trace. */
function expectOneLineError(result: Result, code: number, pattern: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.trim().split('\n')[0]).toMatch(/^bigmap: /);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bigmap-cli-'));
  state = join(work, '.bigmap');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bigmap start and the data commands', () => {
  let running: Started;

  beforeAll(async () => {
    running = await start();
  });
  afterAll(async () => {
    if (running.child.exitCode === null) await stop(running);
  });

  it('starts a new BigMap: network.json, an owner identity with mode 0600', () => {
    expect(running.info.restored).toBe(false);
    expect(running.info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const network = JSON.parse(readFileSync(join(state, 'network.json'), 'utf8')) as { url: string; indexCanisterId: string };
    expect(network).toEqual({ url: running.info.url, indexCanisterId: running.info.indexCanisterId });
    expect(statSync(join(state, 'identity.pem')).mode & 0o777).toBe(0o600);
  });

  it('puts, gets and deletes values given as text, a file and stdin', async () => {
    expect((await bigmap(['--state', state, 'put', 'greeting', 'hello world'])).stdout).toMatch(/^stored greeting in default \(11 bytes, version \d+\)/);
    expect(await bigmap(['--state', state, 'get', 'greeting'])).toMatchObject({ code: 0, stdout: 'hello world' });

    writeFileSync(join(work, 'blob.bin'), new Uint8Array([0, 255, 1, 254]));
    await bigmap(['--state', state, 'put', 'blob', '@blob.bin']);
    const blob = JSON.parse((await bigmap(['--state', state, '--json', 'get', 'blob'])).stdout) as { found: boolean; value: string; encoding: string };
    expect(blob).toMatchObject({ found: true, encoding: 'base64', value: Buffer.from([0, 255, 1, 254]).toString('base64') });

    await bigmap(['--state', state, 'put', 'piped', '-'], 'from stdin');
    expect((await bigmap(['--state', state, 'get', 'piped'])).stdout).toBe('from stdin');

    expect((await bigmap(['--state', state, 'del', 'piped'])).stdout).toMatch(/^deleted piped/);
    const missing = await bigmap(['--state', state, 'get', 'piped']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/piped is not in default/);
  });

  it('scans a partition in sort-key order, in a collection of its own', async () => {
    for (const day of ['03', '01', '02']) await bigmap(['--state', state, '--collection', 'events', 'put', 'user-1', `event ${day}`, '--sort', `2026-11-${day}`]);
    const scan = JSON.parse((await bigmap(['--state', state, '--collection', 'events', '--json', 'scan', '--partition', 'user-1', '--limit', '2'])).stdout) as { items: Array<{ key: string; value: string }> };
    expect(scan.items.map((i) => [i.key, i.value])).toEqual([
      ['2026-11-01', 'event 01'],
      ['2026-11-02', 'event 02'],
    ]);
    const text = await bigmap(['--state', state, '--collection', 'events', 'scan', '--partition', 'user-1', '--reverse']);
    expect(text.stdout.trim().split('\n')[0]).toBe('2026-11-03\tevent 03');
  });

  it('stats --json counts the keys', async () => {
    const stats = JSON.parse((await bigmap(['--state', state, '--json', 'stats'])).stdout) as { schemaVersion: number; canisters: Array<{ keys: string; reachable: boolean }> };
    expect(stats.schemaVersion).toBe(1);
    expect(stats.canisters.length).toBeGreaterThan(0);
    expect(stats.canisters.every((c) => c.reachable)).toBe(true);
    // greeting, blob and three events (piped was deleted).
    expect(stats.canisters.reduce((n, c) => n + Number(c.keys), 0)).toBe(5);
  });

  it('reports mistakes in one line with an exit code', async () => {
    expectOneLineError(await bigmap(['--state', state, '--collection', '', 'put', 'k', 'v']), 5, /collection/i);
    expectOneLineError(await bigmap(['--state', state, '--index', 'rrkah-fqaaa-aaaaa-aaaaq-cai', 'get', 'greeting']), 1, /Could not read the slot table of the BigMap index rrkah-fqaaa-aaaaa-aaaaq-cai/);
    expectOneLineError(await bigmap(['--state', state, '--index', 'not-an-id', 'get', 'greeting']), 2, /"not-an-id" is not a canister id/);
    expectOneLineError(await bigmap(['--state', join(work, 'nowhere'), 'get', 'greeting']), 3, /No local BigMap in .*nowhere: start one with `npx bigmap start`/);
    expectOneLineError(await bigmap(['--state', state, 'put', 'k', '@missing.txt']), 2, /Cannot read missing\.txt/);
    expectOneLineError(await bigmap(['--state', state, '--identity', join(work, 'blob.bin'), 'get', 'greeting']), 2, /is not a PEM private key/);
    expect((await bigmap(['--state', state, 'frobnicate'])).code).toBe(2);
  });

  it('refuses a second start on the same state, and a port in use', async () => {
    expectOneLineError(await bigmap(['--state', state, 'start', '--port', '0']), 1, /in use by process \d+/);
    const port = new URL(running.info.url).port;
    expectOneLineError(await bigmap(['--state', join(work, 'other'), 'start', '--in-memory', '--port', port]), 2, new RegExp(`Port ${port} is in use`));
  });

  it('exits cleanly on SIGTERM, and a restart finds the same canisters and data', async () => {
    const { code, output } = await stop(running);
    expect(code).toBe(0);
    expect(output).not.toMatch(/Error/);
    expectOneLineError(await bigmap(['--state', state, 'get', 'greeting']), 3, /No replica answers at http:\/\/127\.0\.0\.1:\d+ \(is `npx bigmap start` running\?\)/);

    running = await start();
    expect(running.info.restored).toBe(true);
    expect(await bigmap(['--state', state, 'get', 'greeting'])).toMatchObject({ code: 0, stdout: 'hello world' });
    const scan = JSON.parse((await bigmap(['--state', state, '--collection', 'events', '--json', 'scan', '--partition', 'user-1'])).stdout) as { items: unknown[] };
    expect(scan.items).toHaveLength(3);
  });
});

describe('bigmap start --in-memory', () => {
  it('keeps nothing: the next start is new', async () => {
    state = join(work, 'ephemeral');
    const first = await start(['--in-memory']);
    await bigmap(['--state', state, 'put', 'k', 'v']);
    await stop(first);
    const second = await start(['--in-memory']);
    expect(second.info.restored).toBe(false);
    expect((await bigmap(['--state', state, 'get', 'k'])).code).toBe(1);
    await stop(second);
  });
});
