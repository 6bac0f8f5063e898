/**
 * Reading imported Ethereum data back: each helper is one BigMap `get` or one range scan
 * of one partition (schema.ts), and returns viem's types, formatted by viem's own
 * formatters as `getBlock`, `getTransaction`, `getBlockReceipts` and `getLogs` do.
 *
 * @example
 * const block = await getBlock(bigmap, 1, 19_000_000n);
 * for await (const log of logsOfAddress(bigmap, 1, usdc, { fromBlock: 19_000_000n })) console.log(log.transactionHash);
 */
import {
  formatBlock,
  formatLog,
  formatTransaction,
  formatTransactionReceipt,
  hexToBytes,
  isHex,
  type Address,
  type Block,
  type Hash,
  type Log,
  type Transaction,
  type TransactionReceipt,
} from 'viem';
import { InvalidKeyError, type BigMap } from '../client/index.ts';
import {
  addressLogValue,
  blockRange,
  blockValue,
  holderTransferValue,
  keys,
  receiptValue,
  tokenTransferValue,
  topicLogValue,
  transactionValue,
} from './schema.ts';
import { ChainStore, importedChains } from './store.ts';
import type { Erc20Transfer, HolderTransfer } from './transfers.ts';

/** Which postings a scan returns: blocks `fromBlock … toBlock`, both included (as `eth_getLogs`). */
export interface BlockRangeOptions {
  /** @default the first stored block */
  fromBlock?: bigint | number;
  /** @default the last stored block */
  toBlock?: bigint | number;
  /** Newest first. @default false */
  reverse?: boolean;
  /** Stop after this many items. @default all */
  limit?: number;
}

export { importedChains };

/**
 * Block `blockNumber` with its transactions as hashes (as `getBlock` without
 * `includeTransactions`), or undefined when it was not imported.
 */
export async function getBlock(bigmap: BigMap, chainId: number, blockNumber: bigint | number): Promise<Block<bigint, false> | undefined> {
  const bytes = await new ChainStore(bigmap, chainId).collection('blocks').get(keys.block(blockNumber));
  return bytes && (formatBlock(blockValue.decode(bytes, BigInt(blockNumber))) as Block<bigint, false>);
}

/** The transaction with hash `hash`, or undefined when it was not imported. */
export async function getTransaction(bigmap: BigMap, chainId: number, hash: Hash): Promise<Transaction | undefined> {
  const key = keys.transaction(checkedHex(hash, 32, 'a transaction hash'));
  const bytes = await new ChainStore(bigmap, chainId).collection('transactions').get(key);
  return bytes && (formatTransaction(transactionValue.decode(bytes, key)) as Transaction);
}

/**
 * The receipts of block `blockNumber`, in transaction order (one scan). Empty when the
 * block has no transactions or was not imported ({@link getBlock} tells which).
 */
export async function getReceipts(bigmap: BigMap, chainId: number, blockNumber: bigint | number): Promise<TransactionReceipt[]> {
  const receipts: TransactionReceipt[] = [];
  const scan = new ChainStore(bigmap, chainId).collection('receipts').scan({ partition: keys.block(blockNumber) });
  for await (const [sort, bytes] of scan) {
    const index = new DataView(sort.buffer, sort.byteOffset, sort.byteLength).getUint32(0);
    receipts.push(formatTransactionReceipt(receiptValue.decode(bytes, BigInt(blockNumber), index)));
  }
  return receipts;
}

export interface AddressLogsOptions extends BlockRangeOptions {
  /**
   * Only the logs whose first topic is this event signature. They are filtered out of the
   * contract's scan: a contract emits fewer logs than a popular signature has across all
   * contracts, so this beats scanning `logsByTopic`. `limit` counts the logs kept.
   */
  topic0?: Hash;
}

/** The logs emitted by contract `address`, in chain order (one scan of one partition). */
export async function* logsOfAddress(bigmap: BigMap, chainId: number, address: Address, options: AddressLogsOptions = {}): AsyncGenerator<Log> {
  const partition = hexToBytes(checkedHex(address, 20, 'an address'));
  const topic0 = options.topic0 === undefined ? undefined : checkedHex(options.topic0, 32, 'a topic').toLowerCase();
  const { limit = Number.MAX_SAFE_INTEGER, ...range } = options;
  const scan = new ChainStore(bigmap, chainId).collection('logsByAddress').scan(scanOptions(partition, topic0 === undefined ? options : range));
  let remaining = limit;
  if (remaining <= 0) return;
  for await (const [sort, bytes] of scan) {
    const log = formatLog(addressLogValue.decode(bytes, partition, sort));
    if (topic0 !== undefined && log.topics[0] !== topic0) continue;
    yield log;
    if (--remaining === 0) return;
  }
}

/** The logs whose first topic (the event signature) is `topic0`, in chain order (one scan). */
export async function* logsByTopic(bigmap: BigMap, chainId: number, topic0: Hash, options: BlockRangeOptions = {}): AsyncGenerator<Log> {
  const partition = hexToBytes(checkedHex(topic0, 32, 'a topic'));
  for await (const [sort, bytes] of new ChainStore(bigmap, chainId).collection('logsByTopic').scan(scanOptions(partition, options))) {
    yield formatLog(topicLogValue.decode(bytes, sort));
  }
}

/** The ERC-20 transfers of token `token`, in chain order (one scan). */
export async function* transfersOfToken(bigmap: BigMap, chainId: number, token: Address, options: BlockRangeOptions = {}): AsyncGenerator<Erc20Transfer> {
  const partition = hexToBytes(checkedHex(token, 20, 'a token address'));
  for await (const [sort, bytes] of new ChainStore(bigmap, chainId).collection('transfersByToken').scan(scanOptions(partition, options))) {
    yield tokenTransferValue.decode(bytes, partition, sort);
  }
}

/**
 * The ERC-20 transfers to or from `holder`, of every token, in chain order (one scan). A
 * transfer to oneself comes twice, `out` then `in`. Mints and burns are found under the
 * holder that receives or burns, never under the zero address.
 */
export async function* transfersOfHolder(bigmap: BigMap, chainId: number, holder: Address, options: BlockRangeOptions = {}): AsyncGenerator<HolderTransfer> {
  const partition = hexToBytes(checkedHex(holder, 20, 'an address'));
  for await (const [sort, bytes] of new ChainStore(bigmap, chainId).collection('transfersByHolder').scan(scanOptions(partition, options))) {
    yield holderTransferValue.decode(bytes, partition, sort);
  }
}

function scanOptions(partition: Uint8Array, options: BlockRangeOptions) {
  return {
    partition,
    ...blockRange(options.fromBlock, options.toBlock),
    ...(options.reverse === undefined ? {} : { reverse: options.reverse }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  };
}

/** `value` if it is `bytes` bytes of hex. @throws InvalidKeyError */
function checkedHex<T extends string>(value: T, bytes: number, what: string): T & `0x${string}` {
  if (!isHex(value, { strict: true }) || value.length !== 2 + 2 * bytes) throw new InvalidKeyError(`Expected ${what} (${bytes} bytes as 0x-prefixed hex), got ${JSON.stringify(value)}.`);
  return value;
}
