/**
 * `bigmap import-eth` and `bigmap eth …` as a user runs them: the real binary in child
 * processes, against a BigMap served over HTTP on 127.0.0.1 (`--network --index
 * --identity`) and a real anvil node. The import is killed with SIGKILL half way and run
 * again, and must end with exactly what an uninterrupted import stores.
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { execFile, spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../canisters/build.ts';
import { jsonReplacer } from '../cli/output.ts';
import { BigMap, type LocalBigMap } from '../client/index.ts';
import { listen, type ReplicaServer } from '../replica/index.ts';
import { getBlock, getTransaction, importedChains, transfersOfHolder, type ImportSummary } from './index.ts';
import { chainCollections, type ChainCollections } from './schema.ts';
import { startAnvil, type AnvilNode } from './test/anvil.ts';
import { closedPort, storedContents } from './test/helpers.ts';
import { generateWorkload, type Workload } from './test/workload.ts';

const BIN = join(REPO_ROOT, 'bin', 'bigmap.js');

let work: string;
let anvil: AnvilNode;
let local: LocalBigMap;
let server: ReplicaServer;
let workload: Workload;
/** `--network <url> --index <id> --identity <pem>`: how every command finds the BigMap. */
let target: string[];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function bigmap(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...target, ...args], { cwd: work, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** What --json prints for `value`: bigints as strings, as cli/output.ts writes them. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value, jsonReplacer));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bigmap-eth-cli-'));
  // The owner's key as a PKCS#8 PEM file for --identity, and the same key for BigMap.local.
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  writeFileSync(join(work, 'owner.pem'), pem, { mode: 0o600 });
  const secret = Buffer.from((createPrivateKey(pem).export({ format: 'jwk' }) as { d: string }).d, 'base64url');
  [anvil, local] = await Promise.all([startAnvil(), BigMap.local({ identity: Ed25519KeyIdentity.fromSecretKey(secret) })]);
  server = await listen(local.replica, { port: 0 });
  target = ['--network', server.url, '--index', local.indexCanisterId.toText(), '--identity', join(work, 'owner.pem')];
  // Small blocks, so an import of one block per batch has many steps to be killed between.
  workload = await generateWorkload(anvil.url, { transactions: 400, transactionsPerBlock: 20 });
});

afterAll(async () => {
  await server?.close();
  await Promise.allSettled([local?.close(), anvil?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

describe('bigmap import-eth', () => {
  it('resumes an import killed half way and ends with exactly what an uninterrupted import stores', async () => {
    const child = spawn(process.execPath, [BIN, ...target, 'import-eth', '--rpc', anvil.url, '--blocks-per-batch', '1'], { cwd: work });
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Non-TTY progress is one line per stored batch: kill after the first.
        if (/importing: [1-9]/.test(stderr)) child.kill('SIGKILL');
      });
      child.once('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`import-eth ended (${code}) before it was killed: ${stderr}`))));
    });
    const [killed] = await importedChains(local.bigmap);
    expect(killed.lastBlock).toBeLessThan(workload.lastBlock);

    const resumed = await bigmap(['--json', 'import-eth', '--rpc', anvil.url]);
    expect(resumed.code).toBe(0);
    const summary = (JSON.parse(resumed.stdout) as { summary: ImportSummary }).summary;
    expect(summary).toMatchObject({ chainId: 31337, fromBlock: 0, toBlock: workload.lastBlock, skippedBlocks: killed.lastBlock + 1, blocks: workload.lastBlock - killed.lastBlock });

    const reference = await bigmap(['--json', 'import-eth', '--rpc', anvil.url, '--chain-id', '1']);
    expect(JSON.parse(reference.stdout)).toMatchObject({ summary: { chainId: 1, blocks: workload.lastBlock + 1 } });
    for (const name of Object.keys(chainCollections(1)) as Array<keyof ChainCollections>) {
      expect(await storedContents(local.bigmap, 31337, name), name).toEqual(await storedContents(local.bigmap, 1, name));
    }
  });

  it('says in one line that a range is already stored', async () => {
    const again = await bigmap(['import-eth', '--rpc', anvil.url, '--chain-id', '1']);
    expect(again).toMatchObject({ code: 0, stdout: `chain 1: blocks 0…${workload.lastBlock} are already stored; nothing to import\n` });
  });

  it('reports a bad RPC URL and an unreachable node in one line each, without a stack trace', async () => {
    const bad = await bigmap(['import-eth', '--rpc', 'localhost:8545']);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toBe('bigmap: Not an Ethereum JSON-RPC URL: "localhost:8545".\n  Give an http:// or https:// URL, e.g. http://127.0.0.1:8545.\n');
    const url = `http://127.0.0.1:${await closedPort()}`;
    const gone = await bigmap(['import-eth', '--rpc', url]);
    expect(gone).toMatchObject({ code: 3, stdout: '' });
    expect(gone.stderr).toBe(`bigmap: No Ethereum node answers at ${url}.\n  Check the URL and that the node is running (for a local one: \`npx anvil\`).\n  ECONNREFUSED\n`);
    expect(gone.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('bigmap eth', () => {
  it('asks for --chain-id when the BigMap holds several chains', async () => {
    const result = await bigmap(['eth', 'block', '1']);
    expect(result).toMatchObject({ code: 2, stderr: 'bigmap: This BigMap holds chains 1, 31337: choose one with --chain-id.\n' });
  });

  it('block, tx and transfers --json print what the SDK returns', async () => {
    const block = await getBlock(local.bigmap, 31337, 5);
    const hash = block!.transactions[0];
    const holder = workload.accounts[3];
    const transfers: unknown[] = [];
    for await (const t of transfersOfHolder(local.bigmap, 31337, holder, { fromBlock: 4, toBlock: 9 })) transfers.push(t);
    expect(transfers.length).toBeGreaterThan(0);

    const [b, tx, tr] = await Promise.all([
      bigmap(['--json', 'eth', 'block', '5', '--chain-id', '31337']),
      bigmap(['--json', 'eth', 'tx', hash, '--chain-id', '31337']),
      bigmap(['--json', 'eth', 'transfers', '--holder', holder, '--from-block', '4', '--to-block', '9', '--chain-id', '31337']),
    ]);
    expect(JSON.parse(b.stdout)).toEqual({ schemaVersion: 1, chainId: 31337, block: asJson(block) });
    expect(JSON.parse(tx.stdout)).toEqual({ schemaVersion: 1, chainId: 31337, transaction: asJson(await getTransaction(local.bigmap, 31337, hash)) });
    expect(JSON.parse(tr.stdout)).toEqual({ schemaVersion: 1, chainId: 31337, transfers: asJson(transfers) });
  });

  it('logs --address --topic lists one contract\'s events of one signature, oldest first', async () => {
    const swapTopic = '0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822';
    const result = await bigmap(['eth', 'logs', '--address', workload.pair, '--topic', swapTopic, '--limit', '3', '--chain-id', '31337']);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.split('\t')[3]?.startsWith(swapTopic)).toBe(true);
    const positions = lines.map((l) => l.split('\t')[0].split(':').map(Number));
    expect(positions).toEqual([...positions].sort((x, y) => x[0] - y[0] || x[1] - y[1]));
  });

  it('reports a block that is not stored, and a malformed hash, with their exit codes', async () => {
    const missing = await bigmap(['eth', 'block', String(workload.lastBlock + 1), '--chain-id', '31337']);
    expect(missing).toMatchObject({ code: 1, stderr: `bigmap: block ${workload.lastBlock + 1} of chain 31337 is not in this BigMap\n` });
    const malformed = await bigmap(['eth', 'tx', '0x1234', '--chain-id', '31337']);
    expect(malformed).toMatchObject({ code: 5, stderr: 'bigmap: Expected a transaction hash (32 bytes as 0x-prefixed hex), got "0x1234".\n' });
  });
});
