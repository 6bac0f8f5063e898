/**
 * `importChain`: copies a block range from an Ethereum node into a BigMap, in the layout
 * of schema.ts.
 *
 * The pipeline: batches of `blocksPerBatch` blocks are read from the node (JSON-RPC batch
 * calls) up to `batchesAhead` batches ahead of the writer; the writer stores one batch at
 * a time (every collection in parallel, `putMany`), then records progress. Memory is
 * bounded by `(batchesAhead + 1) × blocksPerBatch` blocks.
 *
 * Invariants:
 *  1. The progress record (`eth:meta`, `progress:<chainId>`) names a block only after that
 *     block and all before it in the range are stored. A crash loses at most the batch in
 *     flight, which the next run writes again.
 *  2. Writes are idempotent: a block always yields the same keys and values, so writing a
 *     batch twice (after a crash) leaves exactly what writing it once does.
 *  3. The stored range is contiguous, `firstBlock … lastBlock`. A run skips the blocks it
 *     already holds without reading them, so re-importing an imported range writes nothing.
 *  4. Stored blocks form a hash chain: each batch must continue the last stored block, or
 *     the run stops with ChainMismatchError instead of mixing two chains.
 *
 * @example
 * const summary = await importChain(bigmap, { rpcUrl: 'http://127.0.0.1:8545', fromBlock: 0, toBlock: 'latest' });
 * console.log(`${summary.blocks} blocks, ${summary.transactionsPerSecond.toFixed(0)} tx/s`);
 */
import type { BigMap } from '../client/index.ts';
import { ChainMismatchError, ImportAbortedError, ImportRangeError } from './errors.ts';
import { resolveImportOptions, type ImportOptions, type ImportProgress } from './import-options.ts';
import { readAhead } from './read-ahead.ts';
import { rowsOf, type FetchedBlock } from './rows.ts';
import { connectNode, readBlockHash, readBlocks, readChainId, readHead, type EthereumNode } from './rpc.ts';
import type { ImportProgressRecord } from './schema.ts';
import { ChainStore } from './store.ts';

export interface ImportSummary {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  /** Blocks stored by this run. */
  blocks: number;
  /** Blocks of the range that were already stored, so neither read nor written. */
  skippedBlocks: number;
  transactions: number;
  logs: number;
  /** ERC-20 transfers. */
  transfers: number;
  /** Bytes of keys (partition and sort) and values written. */
  bytes: number;
  /** Wall time of the run, in seconds. */
  seconds: number;
  blocksPerSecond: number;
  transactionsPerSecond: number;
  /** Megabytes (10^6 bytes) of keys and values written per second. */
  megabytesPerSecond: number;
}

/**
 * Imports blocks `fromBlock … toBlock` of the node at `rpcUrl` into `bigmap`, resuming
 * after the blocks it already holds.
 * @throws InvalidRpcUrlError, RpcUnreachableError, RpcRequestFailedError (the node);
 *   ImportRangeError (the range would leave a gap); ChainMismatchError (stored blocks are
 *   of another chain); ImportWriteError (BigMap); ImportAbortedError (`signal`)
 */
export async function importChain(bigmap: BigMap, options: ImportOptions): Promise<ImportSummary> {
  const o = resolveImportOptions(options);
  const started = performance.now();
  const node = connectNode(o.rpcUrl, { timeoutMs: o.rpcTimeoutMs, batchSize: o.rpcBatchSize });
  const chainId = o.chainId ?? (await readChainId(node));
  const toBlock = o.toBlock === 'latest' ? await readHead(node) : o.toBlock;
  if (o.fromBlock > toBlock) {
    throw new ImportRangeError(`Nothing to import: block ${o.fromBlock} is after block ${toBlock}${o.toBlock === 'latest' ? ", the node's head" : ''}.`);
  }
  const store = new ChainStore(bigmap, chainId);
  const stored = await store.progress();
  if (stored) await checkSameChain(node, stored);
  const start = firstBlockToImport(stored, o.fromBlock);

  const totals = { blocks: 0, transactions: 0, logs: 0, transfers: 0, bytes: 0 };
  const progressOf = (lastBlock: number): ImportProgress => ({
    chainId,
    fromBlock: start,
    toBlock,
    lastBlock,
    blocksDone: totals.blocks,
    blocksTotal: Math.max(0, toBlock - start + 1),
    transactions: totals.transactions,
    logs: totals.logs,
    transfers: totals.transfers,
    bytes: totals.bytes,
    elapsedMs: performance.now() - started,
  });

  let previousHash = stored && start === stored.lastBlock + 1 ? stored.lastBlockHash : undefined;
  let lastStored = stored?.lastBlock;
  const firstBlock = stored?.firstBlock ?? start;
  for await (const blocks of readAhead(batchReads(node, start, toBlock, o.blocksPerBatch), o.batchesAhead)) {
    if (o.signal?.aborted) {
      throw new ImportAbortedError(`The import of chain ${chainId} was stopped; ${lastStored === undefined ? 'no block is stored yet' : `blocks ${firstBlock}…${lastStored} are stored`}.`, {
        metaMessages: ['Run it again to resume from there.'],
        cause: o.signal.reason,
      });
    }
    checkLinked(blocks, previousHash, chainId);
    const { rows, counts } = rowsOf(blocks);
    const last = blocks[blocks.length - 1].block;
    const lastBlock = Number(last.number);
    await store.write(rows, `blocks ${Number(blocks[0].block.number)}…${lastBlock} of chain ${chainId}`);
    await store.saveProgress({ chainId, firstBlock, lastBlock, lastBlockHash: last.hash! });
    previousHash = last.hash!;
    lastStored = lastBlock;
    totals.blocks += counts.blocks;
    totals.transactions += counts.transactions;
    totals.logs += counts.logs;
    totals.transfers += counts.transfers;
    totals.bytes += counts.bytes;
    o.onProgress?.(progressOf(lastBlock));
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    chainId,
    fromBlock: o.fromBlock,
    toBlock,
    ...totals,
    skippedBlocks: Math.min(start, toBlock + 1) - o.fromBlock,
    seconds,
    blocksPerSecond: totals.blocks / seconds,
    transactionsPerSecond: totals.transactions / seconds,
    megabytesPerSecond: totals.bytes / 1e6 / seconds,
  };
}

/** One read task per batch of blocks in `from … to`. */
function* batchReads(node: EthereumNode, from: number, to: number, blocksPerBatch: number): Generator<() => Promise<FetchedBlock[]>> {
  for (let first = from; first <= to; first += blocksPerBatch) {
    const last = Math.min(first + blocksPerBatch - 1, to);
    yield () => readBlocks(node, first, last);
  }
}

/**
 * The first block from `from` on that is not stored yet (invariant 3).
 * @throws ImportRangeError when importing the range would leave a gap in the stored range
 */
function firstBlockToImport(stored: ImportProgressRecord | undefined, from: number): number {
  if (!stored) return from;
  if (from < stored.firstBlock || from > stored.lastBlock + 1) {
    throw new ImportRangeError(`BigMap holds blocks ${stored.firstBlock}…${stored.lastBlock} of chain ${stored.chainId}; importing from block ${from} would leave a gap.`, {
      metaMessages: [`Start at a block from ${stored.firstBlock} to ${stored.lastBlock + 1}: the stored range only grows at its end.`],
    });
  }
  return Math.max(from, stored.lastBlock + 1);
}

/** Checks that the node still has the last stored block (invariant 4). */
async function checkSameChain(node: EthereumNode, stored: ImportProgressRecord): Promise<void> {
  const hash = await readBlockHash(node, stored.lastBlock);
  if (hash === stored.lastBlockHash) return;
  throw new ChainMismatchError(
    `BigMap holds block ${stored.lastBlock} of chain ${stored.chainId} with hash ${stored.lastBlockHash}; the node at ${node.label} has ${hash ? `hash ${hash}` : 'no such block'}.`,
    {
      metaMessages: [
        'The chain was reorganized, or the node runs another chain with the same id (every fresh anvil is chain 31337).',
        'Import it under another chain id (`chainId`, `--chain-id`), or into another BigMap.',
      ],
    },
  );
}

/** Checks that `blocks` continue `previousHash` and each other (invariant 4). */
function checkLinked(blocks: readonly FetchedBlock[], previousHash: string | undefined, chainId: number): void {
  let expected = previousHash;
  for (const { block } of blocks) {
    if (expected !== undefined && block.parentHash !== expected) {
      throw new ChainMismatchError(`Block ${Number(block.number)} of chain ${chainId} does not continue the block before it (parent ${block.parentHash}, expected ${expected}).`, {
        metaMessages: ['The chain reorganized during the import: import blocks old enough to be final.'],
      });
    }
    expected = block.hash ?? undefined;
  }
}
