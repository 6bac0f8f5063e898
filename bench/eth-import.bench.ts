/**
 * Throughput of `importChain`: a generated chain on anvil (Uniswap V2 swaps, ERC-20 and ETH
 * transfers; ethereum/test/workload.ts) imported into an in-process BigMap.
 *
 * Run: `node bench/eth-import.bench.ts [--size <transactions>] [--seed <n>]
 *        [--blocks-per-batch <n>] [--batches-ahead <n>]`
 * (default 3,000 transactions; writes bench/results/eth-import-<date>.json).
 *
 * Besides the import itself it times its parts alone, to show where the time goes: reading
 * the blocks from the node (JSON-RPC batches, JSON parsing) and encoding them into rows.
 * Node, replica and client share this machine; the replica and the client share one
 * JavaScript thread, which bounds the import.
 *
 * Correctness check: the import must count every transaction and log the node has, and
 * sampled blocks, transactions and receipts must read back equal to the node's answers,
 * so a fast wrong import fails the run. A second import of the same range must write nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { createPublicClient, http } from 'viem';
import { getBlock as nodeBlock, getBlockReceipts as nodeReceipts, getLogs as nodeLogs, getTransaction as nodeTransaction } from 'viem/actions';
import { REPO_ROOT } from '../canisters/build.ts';
import { BigMap } from '../client/index.ts';
import { DEFAULT_IMPORT_OPTIONS, getBlock, getReceipts, getTransaction, importChain, type ImportSummary } from '../ethereum/index.ts';
import { rowsOf, type Rows } from '../ethereum/rows.ts';
import { connectNode, readBlocks } from '../ethereum/rpc.ts';
import { startAnvil } from '../ethereum/test/anvil.ts';
import { generateWorkload } from '../ethereum/test/workload.ts';
import { benchEnvironment } from './lib/environment.ts';

interface EthImportBenchOptions {
  /** Transactions generated after the setup. */
  transactions: number;
  seed: number;
  blocksPerBatch: number;
  batchesAhead: number;
}

export interface EthImportBenchResult {
  chain: { blocks: number; transactions: number; logs: number; generateSeconds: number };
  import: ImportSummary;
  /** Reading every block and its receipts from the node, batch by batch, nothing written. */
  rpcReadOnly: { seconds: number; blocksPerSecond: number; transactionsPerSecond: number };
  /** Encoding every block into rows, nothing read or written. */
  encodeOnly: { seconds: number; transactionsPerSecond: number };
  /** Re-importing the imported range (must write nothing). */
  reimport: { seconds: number; putCalls: number };
  /** Stored bytes (keys and values) per collection, and per transaction overall. */
  storedBytes: Record<keyof Rows, number> & { perTransaction: number };
}

function parseOptions(): EthImportBenchOptions {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
      'blocks-per-batch': { type: 'string', default: String(DEFAULT_IMPORT_OPTIONS.blocksPerBatch) },
      'batches-ahead': { type: 'string', default: String(DEFAULT_IMPORT_OPTIONS.batchesAhead) },
    },
  });
  const integer = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min) throw new TypeError(`Expected --${name} to be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    transactions: integer('size', values.size, 1),
    seed: integer('seed', values.seed, 0),
    blocksPerBatch: integer('blocks-per-batch', values['blocks-per-batch'], 1),
    batchesAhead: integer('batches-ahead', values['batches-ahead'], 0),
  };
}

export async function runEthImportBench(options: EthImportBenchOptions): Promise<EthImportBenchResult> {
  const anvil = await startAnvil();
  const local = await BigMap.local();
  try {
    let started = performance.now();
    const chain = await generateWorkload(anvil.url, { transactions: options.transactions, seed: options.seed });
    const generateSeconds = (performance.now() - started) / 1000;
    const node = createPublicClient({ transport: http(anvil.url, { batch: { batchSize: 500 } }) });
    const logs = await nodeLogs(node, { fromBlock: 0n, toBlock: BigInt(chain.lastBlock) });

    const summary = await importChain(local.bigmap, {
      rpcUrl: anvil.url,
      fromBlock: 0,
      toBlock: chain.lastBlock,
      blocksPerBatch: options.blocksPerBatch,
      batchesAhead: options.batchesAhead,
      onProgress: (p) => process.stderr.write(`\rimporting block ${p.lastBlock}/${p.toBlock}`),
    });
    process.stderr.write('\n');
    await checkImport(local.bigmap, node, summary, chain.transactions, logs.length, options.seed);

    let putCalls = 0;
    const stop = local.bigmap.on('batchDispatched', (e) => e.method === 'put' && putCalls++);
    started = performance.now();
    await importChain(local.bigmap, { rpcUrl: anvil.url, fromBlock: 0, toBlock: chain.lastBlock });
    const reimport = { seconds: (performance.now() - started) / 1000, putCalls };
    stop();
    if (putCalls > 0) throw new Error(`re-importing the imported range made ${putCalls} put calls; it must make none`);

    const reader = connectNode(anvil.url, { timeoutMs: DEFAULT_IMPORT_OPTIONS.rpcTimeoutMs, batchSize: DEFAULT_IMPORT_OPTIONS.rpcBatchSize });
    const blocks = [];
    started = performance.now();
    for (let first = 0; first <= chain.lastBlock; first += options.blocksPerBatch) {
      blocks.push(...(await readBlocks(reader, first, Math.min(first + options.blocksPerBatch - 1, chain.lastBlock))));
    }
    const readSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const { rows } = rowsOf(blocks);
    const encodeSeconds = (performance.now() - started) / 1000;

    const perCollection = Object.fromEntries(
      Object.entries(rows).map(([name, list]) => [name, list.reduce((n, r) => n + r.key.partition.length + (r.key.sort?.length ?? 0) + r.value.length, 0)]),
    ) as Record<keyof Rows, number>;
    return {
      chain: { blocks: chain.lastBlock + 1, transactions: chain.transactions, logs: logs.length, generateSeconds },
      import: summary,
      rpcReadOnly: { seconds: readSeconds, blocksPerSecond: blocks.length / readSeconds, transactionsPerSecond: summary.transactions / readSeconds },
      encodeOnly: { seconds: encodeSeconds, transactionsPerSecond: summary.transactions / encodeSeconds },
      reimport,
      storedBytes: { ...perCollection, perTransaction: summary.bytes / summary.transactions },
    };
  } finally {
    await local.close();
    await anvil.stop();
  }
}

/** Fails unless the import holds everything the node has, and sampled lookups equal the node's answers. */
async function checkImport(
  bigmap: BigMap,
  node: ReturnType<typeof createPublicClient>,
  summary: ImportSummary,
  transactions: number,
  logs: number,
  seed: number,
): Promise<void> {
  if (summary.transactions !== transactions || summary.logs !== logs) {
    throw new Error(`imported ${summary.transactions} transactions and ${summary.logs} logs; the node has ${transactions} and ${logs}`);
  }
  const blocks = Array.from({ length: 5 }, (_, i) => Math.floor(((i + seed) * 7919) % (summary.toBlock + 1)));
  for (const n of blocks) {
    const theirs = await nodeBlock(node, { blockNumber: BigInt(n) });
    if (!isDeepStrictEqual(await getBlock(bigmap, summary.chainId, n), theirs)) throw new Error(`block ${n} reads back unlike the node's`);
    if (!isDeepStrictEqual(await getReceipts(bigmap, summary.chainId, n), await nodeReceipts(node, { blockNumber: BigInt(n) }))) throw new Error(`the receipts of block ${n} read back unlike the node's`);
    for (const hash of theirs.transactions.slice(0, 5)) {
      if (!isDeepStrictEqual(await getTransaction(bigmap, summary.chainId, hash), await nodeTransaction(node, { hash }))) throw new Error(`transaction ${hash} reads back unlike the node's`);
    }
  }
}

if (import.meta.main) {
  const options = parseOptions();
  const result = await runEthImportBench(options);
  const r = result.import;
  const f = (n: number, digits = 1) => n.toFixed(digits);
  console.log(`import of a generated chain (${result.chain.blocks} blocks, ${result.chain.transactions} transactions, ${result.chain.logs} logs) from anvil into BigMap.local()`);
  console.table({
    'import (end to end)': { seconds: f(r.seconds, 2), 'blocks/s': f(r.blocksPerSecond), 'tx/s': f(r.transactionsPerSecond, 0), 'MB/s': f(r.megabytesPerSecond, 2) },
    'read from node only': { seconds: f(result.rpcReadOnly.seconds, 2), 'blocks/s': f(result.rpcReadOnly.blocksPerSecond), 'tx/s': f(result.rpcReadOnly.transactionsPerSecond, 0), 'MB/s': '' },
    'encode rows only': { seconds: f(result.encodeOnly.seconds, 2), 'blocks/s': '', 'tx/s': f(result.encodeOnly.transactionsPerSecond, 0), 'MB/s': '' },
    're-import (no-op)': { seconds: f(result.reimport.seconds, 3), 'blocks/s': '', 'tx/s': '', 'MB/s': '' },
  });
  console.table(Object.fromEntries(Object.entries(result.storedBytes).map(([name, bytes]) => [name, { bytes: Math.round(bytes) }])));
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `eth-import-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify({ environment: benchEnvironment(), options, result }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
