/**
 * The importer and the query helpers against a real node: anvil with a generated chain of
 * about 3,000 transactions (ETH transfers, ERC-20 transfers, some reverted, real Uniswap V2
 * swaps), imported once into an in-process BigMap. Every lookup is checked against the
 * node's own JSON-RPC answers, through viem's actions; transfers against viem's decoding of
 * `eth_getLogs`.
 *
 * One anvil and one BigMap serve every test; the tests that import again use chain ids of
 * their own (`chainId` option), so they do not disturb the reference import (chain 31337).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createPublicClient,
  formatLog,
  http,
  parseAbiItem,
  parseEventLogs,
  toEventSelector,
  zeroAddress,
  type Address,
  type Log,
  type PublicClient,
  type RpcLog,
} from 'viem';
import { getBlock as nodeBlock, getBlockReceipts as nodeReceipts, getLogs as nodeLogs, getTransaction as nodeTransaction } from 'viem/actions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigMap, codecs, type LocalBigMap } from '../client/index.ts';
import {
  ChainMismatchError,
  ImportAbortedError,
  ImportRangeError,
  InvalidRpcUrlError,
  RpcUnreachableError,
  getBlock,
  getReceipts,
  getTransaction,
  importChain,
  importedChains,
  logsByTopic,
  logsOfAddress,
  transfersOfHolder,
  transfersOfToken,
  type ImportSummary,
} from './index.ts';
import { readBlocks, connectNode } from './rpc.ts';
import { rowsOf } from './rows.ts';
import { chainCollections, keys, progressKey, type ChainCollections } from './schema.ts';
import { ChainStore } from './store.ts';
import { startAnvil, type AnvilNode } from './test/anvil.ts';
import { closedPort, storedContents } from './test/helpers.ts';
import { generateWorkload, uniswap, type Workload } from './test/workload.ts';

let anvil: AnvilNode;
let local: LocalBigMap;
let bigmap: BigMap;
let node: PublicClient;
let workload: Workload;
let summary: ImportSummary;
/** Every log of the chain, as the node's `eth_getLogs` gives it. */
let allLogs: Log[];

beforeAll(async () => {
  [anvil, local] = await Promise.all([startAnvil(), BigMap.local()]);
  bigmap = local.bigmap;
  node = createPublicClient({ transport: http(anvil.url, { batch: { batchSize: 500 } }) });
  workload = await generateWorkload(anvil.url, { transactions: 3_000 });
  summary = await importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 0, toBlock: 'latest' });
  allLogs = await nodeLogs(node, { fromBlock: 0n, toBlock: BigInt(workload.lastBlock) });
});

afterAll(async () => {
  await Promise.allSettled([local?.close(), anvil?.stop()]);
});

const blockNumbers = () => Array.from({ length: workload.lastBlock + 1 }, (_, i) => i);
const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};
const distinct = <T>(values: T[]) => [...new Set(values)];

describe('importChain', () => {
  it('imports every block, transaction, log and ERC-20 transfer of the range', async () => {
    const transfers = parseEventLogs({ abi: uniswap.erc20.abi, logs: allLogs, eventName: 'Transfer' });
    expect(summary).toMatchObject({
      chainId: 31337,
      fromBlock: 0,
      toBlock: workload.lastBlock,
      blocks: workload.lastBlock + 1,
      skippedBlocks: 0,
      transactions: workload.transactions,
      logs: allLogs.length,
      transfers: transfers.length,
    });
    expect(workload.transactions).toBeGreaterThan(3_000);
    expect(summary.bytes).toBeGreaterThan(1_000_000);
    expect(summary.transactionsPerSecond).toBeGreaterThan(0);
    expect(await importedChains(bigmap)).toContainEqual({
      chainId: 31337,
      firstBlock: 0,
      lastBlock: workload.lastBlock,
      lastBlockHash: (await nodeBlock(node, { blockNumber: BigInt(workload.lastBlock) })).hash,
    });
  });

  it('re-importing an imported range reads no block, writes nothing and leaves every version unchanged', async () => {
    const meta = bigmap.collection('eth:meta', { value: codecs.bytes() });
    const blocks = new ChainStore(bigmap, 31337).collection('blocks');
    const before = await Promise.all([meta.getEntry(progressKey(31337)), blocks.getEntry(keys.block(0))]);
    const calls: string[] = [];
    const stop = bigmap.on('batchDispatched', (e) => calls.push(e.method));
    const again = await importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 0, toBlock: workload.lastBlock });
    stop();
    expect(again).toMatchObject({ blocks: 0, skippedBlocks: workload.lastBlock + 1, transactions: 0, bytes: 0 });
    expect(calls.filter((m) => m === 'put')).toEqual([]);
    expect(again.seconds).toBeLessThan(2);
    const after = await Promise.all([meta.getEntry(progressKey(31337)), blocks.getEntry(keys.block(0))]);
    expect(after.map((e) => e?.version)).toEqual(before.map((e) => e?.version));
  });

  it('resumes an import stopped half way from the stored progress and ends with exactly the full data', async () => {
    const chainId = 777;
    const stop = new AbortController();
    const stopped = importChain(bigmap, {
      rpcUrl: anvil.url,
      fromBlock: 0,
      toBlock: workload.lastBlock,
      chainId,
      blocksPerBatch: 3,
      onProgress: (p) => p.blocksDone >= 6 && stop.abort(),
      signal: stop.signal,
    });
    await expect(stopped).rejects.toThrow(ImportAbortedError);
    await expect(stopped).rejects.toThrow('The import of chain 777 was stopped; blocks 0…5 are stored.');
    const progress = await new ChainStore(bigmap, chainId).progress();
    expect(progress?.lastBlock).toBe(5);

    // A crash while writing the next batch leaves some of its items behind, with no progress.
    const residue = rowsOf(await readBlocks(connectNode(anvil.url, { timeoutMs: 30_000, batchSize: 100 }), 6, 8)).rows;
    for (const name of Object.keys(residue) as Array<keyof ChainCollections>) residue[name] = residue[name].filter((_, i) => i % 2 === 0);
    await new ChainStore(bigmap, chainId).write(residue, 'half a batch');

    const resumed = await importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 0, toBlock: 'latest', chainId });
    expect(resumed).toMatchObject({ blocks: workload.lastBlock - 5, skippedBlocks: 6 });
    for (const name of Object.keys(chainCollections(chainId)) as Array<keyof ChainCollections>) {
      expect(await storedContents(bigmap, chainId, name), name).toEqual(await storedContents(bigmap, 31337, name));
    }
  });

  it('refuses a range that would leave a gap after the stored blocks', async () => {
    await importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 2, toBlock: 3, chainId: 778 });
    await expect(importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 6, toBlock: 7, chainId: 778 })).rejects.toThrow(ImportRangeError);
    await expect(importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 1, toBlock: 7, chainId: 778 })).rejects.toThrow(/holds blocks 2…3 of chain 778; importing from block 1 would leave a gap/);
    expect(await importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 3, toBlock: 4, chainId: 778 })).toMatchObject({ blocks: 1, skippedBlocks: 1 });
  });

  it('refuses to extend stored blocks with a node whose chain differs (a restarted anvil)', async () => {
    const chainId = 779;
    await new ChainStore(bigmap, chainId).saveProgress({ chainId, firstBlock: 0, lastBlock: 2, lastBlockHash: `0x${'ab'.repeat(32)}` });
    const error = await importChain(bigmap, { rpcUrl: anvil.url, fromBlock: 0, toBlock: 4, chainId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainMismatchError);
    expect((error as ChainMismatchError).shortMessage).toMatch(/^BigMap holds block 2 of chain 779 with hash 0xabab.*; the node at http:\/\/127\.0\.0\.1:\d+ has hash 0x[0-9a-f]{64}\.$/);
  });

  it('reads receipts transaction by transaction from a node without eth_getBlockReceipts', async () => {
    const proxy = await withoutBlockReceipts(anvil.url);
    try {
      const chainId = 780;
      await importChain(bigmap, { rpcUrl: proxy.url, fromBlock: 0, toBlock: 6, chainId });
      expect(proxy.refused).toBeGreaterThan(0);
      for (const n of [0, 5, 6]) expect(await getReceipts(bigmap, chainId, n)).toEqual(await nodeReceipts(node, { blockNumber: BigInt(n) }));
    } finally {
      proxy.server.close();
    }
  });

  it('reports a bad RPC URL at once, without calling anything', async () => {
    const started = performance.now();
    const error = await importChain(bigmap, { rpcUrl: 'localhost:8545', fromBlock: 0, toBlock: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRpcUrlError);
    expect((error as Error).message).toBe('Not an Ethereum JSON-RPC URL: "localhost:8545".\nGive an http:// or https:// URL, e.g. http://127.0.0.1:8545.');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('reports an unreachable node in one message, with viem\'s error as the cause', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await importChain(bigmap, { rpcUrl: url, fromBlock: 0, toBlock: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcUnreachableError);
    expect((error as RpcUnreachableError).message).toBe(
      `No Ethereum node answers at ${url}.\nCheck the URL and that the node is running (for a local one: \`npx anvil\`).\nDetails: ECONNREFUSED`,
    );
    expect((error as RpcUnreachableError).cause).toMatchObject({ name: 'HttpRequestError' });
  });

  it('names a hosted endpoint in messages without the API key in its path', async () => {
    const origin = `http://127.0.0.1:${await closedPort()}`;
    const error = await importChain(bigmap, { rpcUrl: `${origin}/v3/s3cr3t-key`, fromBlock: 0, toBlock: 1 }).catch((e: unknown) => e);
    expect((error as RpcUnreachableError).shortMessage).toBe(`No Ethereum node answers at ${origin}/….`);
    expect((error as Error).message).not.toContain('s3cr3t');
  });
});

describe('the query helpers answer as the node does', () => {
  it('getBlock: every block, as eth_getBlockByNumber', async () => {
    const ours = await Promise.all(blockNumbers().map((n) => getBlock(bigmap, 31337, n)));
    const theirs = await Promise.all(blockNumbers().map((n) => nodeBlock(node, { blockNumber: BigInt(n) })));
    expect(ours).toEqual(theirs);
    expect(await getBlock(bigmap, 31337, workload.lastBlock + 1)).toBeUndefined();
  });

  it('getTransaction: every transaction, as eth_getTransactionByHash', async () => {
    const hashes = (await Promise.all(blockNumbers().map((n) => nodeBlock(node, { blockNumber: BigInt(n) })))).flatMap((b) => b.transactions);
    expect(hashes).toHaveLength(workload.transactions);
    const ours = await Promise.all(hashes.map((hash) => getTransaction(bigmap, 31337, hash)));
    const theirs = await Promise.all(hashes.map((hash) => nodeTransaction(node, { hash })));
    expect(ours).toEqual(theirs);
    expect(await getTransaction(bigmap, 31337, `0x${'00'.repeat(32)}`)).toBeUndefined();
  });

  it('getReceipts: every block\'s receipts, reverted ones included, as eth_getBlockReceipts', async () => {
    const ours = await Promise.all(blockNumbers().map((n) => getReceipts(bigmap, 31337, n)));
    const theirs = await Promise.all(blockNumbers().map((n) => nodeReceipts(node, { blockNumber: BigInt(n) })));
    expect(ours).toEqual(theirs);
    expect(ours.flat().some((r) => r.status === 'reverted')).toBe(true);
    // Every stored receipt left its bloom out (flag 2): the bloom recomputed from its logs matched.
    const stored = await collect(new ChainStore(bigmap, 31337).collection('receipts').scan({ partition: keys.block(5) }));
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every(([, bytes]) => (bytes[0] & 2) === 2)).toBe(true);
  });

  it('logsOfAddress: every contract\'s logs in block order, whole and in sub-ranges, as eth_getLogs', async () => {
    const addresses = distinct(allLogs.map((l) => l.address));
    expect(addresses.length).toBeGreaterThanOrEqual(3); // two tokens and the pair
    const last = BigInt(workload.lastBlock);
    for (const address of addresses) {
      expect(await collect(logsOfAddress(bigmap, 31337, address))).toEqual(await nodeLogs(node, { address, fromBlock: 0n, toBlock: last }));
      const [fromBlock, toBlock] = [last / 3n, (2n * last) / 3n];
      expect(await collect(logsOfAddress(bigmap, 31337, address, { fromBlock, toBlock }))).toEqual(await nodeLogs(node, { address, fromBlock, toBlock }));
    }
    const swap = toEventSelector('Swap(address,uint256,uint256,uint256,uint256,address)');
    const swaps = await nodeLogs(node, { address: workload.pair, event: parseAbiItem('event Swap(address indexed sender, uint amount0In, uint amount1In, uint amount0Out, uint amount1Out, address indexed to)'), fromBlock: 0n, toBlock: last, strict: false });
    expect(swaps.length).toBeGreaterThan(10);
    expect(await collect(logsOfAddress(bigmap, 31337, workload.pair, { topic0: swap, limit: 10 }))).toEqual(swaps.slice(0, 10).map(({ args: _a, eventName: _e, ...log }) => log));
    const newest = await collect(logsOfAddress(bigmap, 31337, workload.tokens[0], { reverse: true, limit: 5 }));
    expect(newest).toEqual(allLogs.filter((l) => l.address === workload.tokens[0].toLowerCase()).slice(-5).reverse());
    expect(await collect(logsOfAddress(bigmap, 31337, workload.accounts[1]))).toEqual([]);
  });

  it('logsByTopic: every event signature\'s logs in block order, as eth_getLogs with topic0', async () => {
    const topics = distinct(allLogs.map((l) => l.topics[0]!));
    expect(topics.length).toBeGreaterThanOrEqual(4); // Transfer, Mint, Sync, Swap, PairCreated
    for (const topic of topics) {
      const theirs = await node.request({ method: 'eth_getLogs', params: [{ topics: [topic], fromBlock: '0x0', toBlock: 'latest' }] });
      expect(await collect(logsByTopic(bigmap, 31337, topic))).toEqual((theirs as RpcLog[]).map((l) => formatLog(l)));
    }
  });

  it('transfersOfToken and transfersOfHolder: every ERC-20 transfer, as viem decodes eth_getLogs', async () => {
    const transfers = parseEventLogs({ abi: uniswap.erc20.abi, logs: allLogs, eventName: 'Transfer' }).map((l) => {
      const { from, to, value } = l.args as { from: Address; to: Address; value: bigint };
      return {
        token: l.address,
        from: from.toLowerCase() as Address,
        to: to.toLowerCase() as Address,
        value,
        blockNumber: l.blockNumber,
        logIndex: l.logIndex,
        transactionHash: l.transactionHash,
        transactionIndex: l.transactionIndex,
      };
    });
    for (const token of distinct(transfers.map((t) => t.token))) {
      expect(await collect(transfersOfToken(bigmap, 31337, token))).toEqual(transfers.filter((t) => t.token === token));
    }
    const postings = transfers
      .flatMap((t) => [
        ...(t.from === zeroAddress ? [] : [{ holder: t.from, ...t, direction: 'out' as const }]),
        ...(t.to === zeroAddress ? [] : [{ holder: t.to, ...t, direction: 'in' as const }]),
      ])
      .sort((a, b) => Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex || (a.direction === 'out' ? -1 : 1));
    const holders = distinct(postings.map((p) => p.holder));
    expect(holders).toContain(workload.pair.toLowerCase());
    for (const holder of holders) {
      const expected = postings.filter((p) => p.holder === holder).map(({ holder: _, ...t }) => t);
      expect(await collect(transfersOfHolder(bigmap, 31337, holder)), holder).toEqual(expected);
    }
    expect(await collect(transfersOfHolder(bigmap, 31337, zeroAddress))).toEqual([]);
  });

  it('answers each lookup with one call: a get, or one scan page per 1,000 postings of one partition', async () => {
    const calls: Array<{ method: string; items: number }> = [];
    const stop = bigmap.on('batchDispatched', (e) => calls.push(e));
    await getBlock(bigmap, 31337, 3);
    await getReceipts(bigmap, 31337, 3);
    const logs = await collect(logsOfAddress(bigmap, 31337, workload.pair));
    stop();
    expect(calls.map((c) => c.method)).toEqual(['get', 'scan', ...Array<string>(Math.max(1, Math.ceil(logs.length / 1000))).fill('scan')]);
  });

  it('rejects a malformed hash or address with the value in the message', async () => {
    await expect(getTransaction(bigmap, 31337, '0x1234')).rejects.toThrow('Expected a transaction hash (32 bytes as 0x-prefixed hex), got "0x1234".');
    await expect(logsOfAddress(bigmap, 31337, 'alice' as Address).next()).rejects.toThrow('Expected an address (20 bytes as 0x-prefixed hex), got "alice".');
  });
});



/** A JSON-RPC proxy to `target` that answers `eth_getBlockReceipts` with -32601, as hardhat 2 does. */
async function withoutBlockReceipts(target: string): Promise<{ url: string; server: Server; refused: number }> {
  const proxy = { url: '', server: createServer(), refused: 0 };
  proxy.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; method: string } | Array<{ id: number; method: string }>;
      const requests = Array.isArray(body) ? body : [body];
      const forwarded = requests.filter((r) => r.method !== 'eth_getBlockReceipts');
      const answers = forwarded.length === 0 ? [] : ((await (await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forwarded) })).json()) as Array<{ id: number }>);
      const replies = requests.map((r) => {
        if (r.method !== 'eth_getBlockReceipts') return answers.find((a) => a.id === r.id);
        proxy.refused++;
        return { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: 'Method eth_getBlockReceipts not found' } };
      });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(Array.isArray(body) ? replies : replies[0]));
    });
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  return proxy;
}
