/**
 * Reading a chain from a node over JSON-RPC with viem: the chain id, the head, and blocks
 * with full transactions and their receipts.
 *
 * Blocks are read as the node's JSON (`client.request`, the call viem's `getBlock` makes
 * before formatting), because that wire form is what BigMap stores: the stored record is
 * the node's answer, and viem's formatters turn it into `Block` & co. on the way out.
 *
 * The http transport batches: the requests for a range of blocks, made in one tick, travel
 * in JSON-RPC batch calls of up to `batchSize` requests.
 */
import { createPublicClient, http, numberToHex, type Hash, type PublicClient, type RpcTransactionReceipt } from 'viem';
import { getBlockNumber, getChainId } from 'viem/actions';
import { InvalidRpcUrlError, RpcRequestFailedError, isMethodUnsupported, rpcErrorOf } from './errors.ts';
import type { FetchedBlock } from './rows.ts';
import type { RpcFullBlock } from './schema.ts';

export interface RpcClientOptions {
  /** Timeout of one HTTP request (a whole JSON-RPC batch), in ms. */
  timeoutMs: number;
  /** Most JSON-RPC requests in one HTTP call. */
  batchSize: number;
}

/** A node at a URL, and what we learned about it. */
export interface EthereumNode {
  /**
   * The URL as messages show it: its origin, with `/…` for a path. Hosted endpoints carry
   * API keys in the path or the user info, which must not end up in logs.
   */
  label: string;
  client: PublicClient;
  /**
   * Whether the node serves `eth_getBlockReceipts` (geth, erigon, reth, anvil do; hardhat 2
   * does not). Starts unknown; the first block read finds out.
   */
  blockReceipts: boolean | undefined;
}

/** A viem client for the node at `url`. @throws InvalidRpcUrlError unless `url` is http(s) */
export function connectNode(url: string, options: RpcClientOptions): EthereumNode {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidRpcUrlError(url);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidRpcUrlError(url);
  const client = createPublicClient({ transport: http(url, { batch: { batchSize: options.batchSize }, timeout: options.timeoutMs }) });
  const label = parsed.pathname === '/' && parsed.search === '' ? parsed.origin : `${parsed.origin}/…`;
  return { label, client, blockReceipts: undefined };
}

/** The node's chain id (`eth_chainId`). */
export async function readChainId(node: EthereumNode): Promise<number> {
  return getChainId(node.client).catch((e: unknown) => {
    throw rpcErrorOf(e, node.label, 'eth_chainId');
  });
}

/** The node's latest block number (`eth_blockNumber`, not cached). */
export async function readHead(node: EthereumNode): Promise<number> {
  const head = await getBlockNumber(node.client, { cacheTime: 0 }).catch((e: unknown) => {
    throw rpcErrorOf(e, node.label, 'eth_blockNumber');
  });
  return Number(head);
}

/** The hash of block `n`, or undefined when the node does not have it. */
export async function readBlockHash(node: EthereumNode, n: number): Promise<Hash | undefined> {
  const block = await request(node, 'eth_getBlockByNumber', () => node.client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(n), false] }));
  return block?.hash ?? undefined;
}

/**
 * Blocks `from … to` with full transactions and their receipts, in order: two requests
 * per block (`eth_getBlockByNumber`, `eth_getBlockReceipts`), all sent in one tick so they
 * share batch calls; or, when the node lacks `eth_getBlockReceipts`, one
 * `eth_getTransactionReceipt` per transaction.
 * @throws RpcRequestFailedError when a block is missing or its receipts do not match it
 */
export async function readBlocks(node: EthereumNode, from: number, to: number): Promise<FetchedBlock[]> {
  return Promise.all(Array.from({ length: to - from + 1 }, (_, i) => readBlock(node, from + i)));
}

async function readBlock(node: EthereumNode, n: number): Promise<FetchedBlock> {
  const [block, blockReceipts] = await Promise.all([readFullBlock(node, n), readBlockReceipts(node, n)]);
  const receipts = blockReceipts ?? (await readTransactionReceipts(node, block));
  return { block, receipts: checkedReceipts(node, block, receipts) };
}

async function readFullBlock(node: EthereumNode, n: number): Promise<RpcFullBlock> {
  const block = await request(node, 'eth_getBlockByNumber', () => node.client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(n), true] }));
  if (!block) throw new RpcRequestFailedError(`The Ethereum node at ${node.label} has no block ${n}.`, { metaMessages: ['Import up to its head, or use --to latest.'] });
  return block as RpcFullBlock;
}

/** The receipts of block `n` by `eth_getBlockReceipts`, or undefined when the node lacks that method. */
async function readBlockReceipts(node: EthereumNode, n: number): Promise<readonly (RpcTransactionReceipt | null)[] | undefined> {
  if (node.blockReceipts === false) return undefined;
  try {
    const receipts = await node.client.request({ method: 'eth_getBlockReceipts', params: [numberToHex(n)] });
    node.blockReceipts = true;
    return receipts ?? [];
  } catch (e) {
    if (node.blockReceipts !== true && isMethodUnsupported(e)) {
      node.blockReceipts = false;
      return undefined;
    }
    throw rpcErrorOf(e, node.label, 'eth_getBlockReceipts');
  }
}

function readTransactionReceipts(node: EthereumNode, block: RpcFullBlock): Promise<Array<RpcTransactionReceipt | null>> {
  return Promise.all(
    block.transactions.map((tx) => request(node, 'eth_getTransactionReceipt', () => node.client.request({ method: 'eth_getTransactionReceipt', params: [tx.hash] }))),
  );
}

/** The receipts, checked one for one against the block's transactions (loudly, as DataLoader checks its batches). */
function checkedReceipts(node: EthereumNode, block: RpcFullBlock, receipts: readonly (RpcTransactionReceipt | null)[]): RpcTransactionReceipt[] {
  const n = Number(block.number);
  if (receipts.length !== block.transactions.length) {
    throw new RpcRequestFailedError(`The Ethereum node at ${node.label} gave ${receipts.length} receipts for the ${block.transactions.length} transactions of block ${n}.`);
  }
  return receipts.map((receipt, i) => {
    const hash = block.transactions[i].hash;
    if (!receipt || receipt.transactionHash !== hash) {
      throw new RpcRequestFailedError(`The Ethereum node at ${node.label} gave receipt ${i} of block ${n} for ${receipt?.transactionHash ?? 'nothing'}, not for transaction ${hash}.`);
    }
    return receipt;
  });
}

async function request<T>(node: EthereumNode, method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw rpcErrorOf(e, node.label, method);
  }
}
