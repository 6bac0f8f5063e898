/**
 * The `bigmap/ethereum` schema: where each Ethereum record lives in BigMap, so that every
 * lookup is one `get` or one range scan of one partition (one data canister).
 *
 * | collection (chain id C)      | partition            | sort                              | value                                    |
 * |------------------------------|----------------------|-----------------------------------|------------------------------------------|
 * | `eth:C:blocks`               | block number (u64)   | –                                 | header + tx hashes (RPC record)          |
 * | `eth:C:tx`                   | tx hash (32 B)       | –                                 | transaction (RPC record)                 |
 * | `eth:C:receipts`             | block number (u64)   | tx index (u32)                    | receipt with its logs (RPC record)       |
 * | `eth:C:logs:address`         | log address (20 B)   | block (u64) ‖ log index (u32)     | the log (RPC record)                     |
 * | `eth:C:logs:topic`           | topic0 (32 B)        | block (u64) ‖ log index (u32)     | the log (RPC record)                     |
 * | `eth:C:transfers:token`      | token (20 B)         | block (u64) ‖ log index (u32)     | rlp[from, to, value, tx hash, tx index]  |
 * | `eth:C:transfers:holder`     | holder (20 B)        | block ‖ log index ‖ direction (u8)| rlp[token, other party, value, tx hash, tx index] |
 * | `eth:meta`                   | `progress:C`         | –                                 | CBOR {@link ImportProgressRecord}        |
 *
 * Invariants:
 *  1. Numbers in keys are fixed-width big-endian (`sortKey.u64`/`u32`), so byte order is
 *     numeric order: a scan of a partition yields blocks, then logs, in chain order.
 *  2. The chain id is part of every collection name, so two chains never share a key.
 *  3. A value holds no field its key already gives (block number, hash, address, log
 *     position): decoding puts it back, in the node's own spelling.
 *  4. The same record always encodes to the same bytes, so importing a block twice writes
 *     identical values.
 *
 * "RPC record": the node's JSON-RPC object in the lossless binary form of
 * {@link encodeRecord}; read back, viem's formatters turn it into viem's `Block`,
 * `Transaction`, `TransactionReceipt` and `Log`, as `getBlock` and friends would.
 *
 * Postings (`logs:*`, `transfers:*`) hold the whole record, not a pointer: one scan of one
 * canister answers a query. A pointer (the sort key alone) would need a second round of
 * `get`s across every canister, each reading a whole receipt. See README.md for the sizes.
 */
import { bytesToHex, concat, hexToBytes, fromRlp, toRlp, type Address, type Hash, type Hex, type RpcBlock, type RpcLog, type RpcTransaction, type RpcTransactionReceipt } from 'viem';
import { sortKey } from '../client/index.ts';
import { logsBloom } from './bloom.ts';
import { decodeRecord, encodeRecord, type RpcRecord } from './record-codec.ts';
import { BLOCK_SCHEMA, LOG_SCHEMA, RECEIPT_SCHEMA, TRANSACTION_SCHEMA } from './rpc-schemas.ts';
import type { Erc20Transfer, HolderTransfer } from './transfers.ts';

/** A block as `eth_getBlockByNumber(n, false)` answers (transactions as hashes). */
export type RpcBlockHeader = RpcBlock<'latest', false>;
/** A block as `eth_getBlockByNumber(n, true)` answers (full transactions). */
export type RpcFullBlock = RpcBlock<'latest', true, RpcTransaction>;

/** The collections of one chain. */
export interface ChainCollections {
  blocks: string;
  transactions: string;
  receipts: string;
  logsByAddress: string;
  logsByTopic: string;
  transfersByToken: string;
  transfersByHolder: string;
}

/** Collection names of chain `chainId` (invariant 2). */
export function chainCollections(chainId: number): ChainCollections {
  const prefix = `eth:${chainId}:`;
  return {
    blocks: `${prefix}blocks`,
    transactions: `${prefix}tx`,
    receipts: `${prefix}receipts`,
    logsByAddress: `${prefix}logs:address`,
    logsByTopic: `${prefix}logs:topic`,
    transfersByToken: `${prefix}transfers:token`,
    transfersByHolder: `${prefix}transfers:holder`,
  };
}

/** Import progress of every chain, one key per chain. */
export const META_COLLECTION = 'eth:meta';

/** The `eth:meta` key of chain `chainId`'s {@link ImportProgressRecord}. */
export function progressKey(chainId: number): string {
  return `progress:${chainId}`;
}

/**
 * What a BigMap holds of one chain: every block of `firstBlock … lastBlock`, with its
 * transactions, receipts, logs and transfers. Written after the blocks it covers.
 */
export interface ImportProgressRecord {
  chainId: number;
  firstBlock: number;
  /** The last block fully imported. */
  lastBlock: number;
  /** Its hash, to notice a reorganized or different chain on the next import. */
  lastBlockHash: Hash;
}

/** A posting's sort key read back: where the log is in the chain. */
export interface LogPosition {
  blockNumber: bigint;
  logIndex: number;
}

/** Holder postings: the holder sent (`out`, 0) or received (`in`, 1). A self-transfer has both. */
const DIRECTION = { out: 0, in: 1 } as const;

// ------------------------------------------------------------------ keys

export const keys = {
  /** `eth:C:blocks` and the partition of `eth:C:receipts`. */
  block: (blockNumber: bigint | number): Uint8Array => sortKey.u64(blockNumber),
  transaction: (hash: Hash): Uint8Array => hexToBytes(hash),
  receipt: (blockNumber: bigint | number, transactionIndex: number) => ({ partition: sortKey.u64(blockNumber), sort: sortKey.u32(transactionIndex) }),
  /** Address, topic or token postings: the partition is those bytes, the sort the log's position. */
  posting: (partition: Hex, blockNumber: bigint | number, logIndex: number) => ({ partition: hexToBytes(partition), sort: position(blockNumber, logIndex) }),
  holderPosting: (holder: Address, blockNumber: bigint | number, logIndex: number, direction: 'in' | 'out') => ({
    partition: hexToBytes(holder),
    sort: concat([position(blockNumber, logIndex), Uint8Array.of(DIRECTION[direction])]),
  }),
};

/**
 * Scan bounds for the postings of blocks `fromBlock … toBlock` (both included, as in
 * `eth_getLogs`); an absent bound is open.
 */
export function blockRange(fromBlock?: bigint | number, toBlock?: bigint | number): { from?: Uint8Array; to?: Uint8Array } {
  return {
    ...(fromBlock === undefined ? {} : { from: sortKey.u64(fromBlock) }),
    ...(toBlock === undefined ? {} : { to: sortKey.u64(BigInt(toBlock) + 1n) }),
  };
}

function position(blockNumber: bigint | number, logIndex: number): Uint8Array {
  return concat([sortKey.u64(blockNumber), sortKey.u32(logIndex)]);
}

/** The log position in a posting's sort key. */
export function positionOf(sort: Uint8Array): LogPosition {
  const view = new DataView(sort.buffer, sort.byteOffset, sort.byteLength);
  return { blockNumber: view.getBigUint64(0), logIndex: view.getUint32(8) };
}

// ------------------------------------------------------------------ values

/** A block header with transaction hashes; the number is the key's. */
export const blockValue = {
  encode: (block: RpcBlockHeader): Uint8Array => encodeRecord(omit(asRecord(block), { number: quantity(block.number) }), BLOCK_SCHEMA),
  decode: (bytes: Uint8Array, blockNumber: bigint): RpcBlockHeader => restore(decodeRecord(bytes, BLOCK_SCHEMA), { number: quantity(blockNumber) }) as unknown as RpcBlockHeader,
};

/** A transaction; the hash is the key's. */
export const transactionValue = {
  encode: (tx: RpcTransaction): Uint8Array => encodeRecord(omit(asRecord(tx), { hash: canonicalHex(tx.hash) }), TRANSACTION_SCHEMA),
  /** `key` is the stored partition: the hash's bytes. */
  decode: (bytes: Uint8Array, key: Uint8Array): RpcTransaction => restore(decodeRecord(bytes, TRANSACTION_SCHEMA), { hash: bytesToHex(key) }) as unknown as RpcTransaction,
};

/** Fields each log of a receipt repeats from the receipt. */
const LOG_CONTEXT = ['blockHash', 'blockNumber', 'transactionHash', 'transactionIndex'] as const;
/** Flags in a stored receipt's first byte: what was left out because it can be recomputed. */
const RECEIPT_FLAGS = { logContext: 1, bloom: 2 } as const;

/**
 * A receipt with its logs; block number and transaction index are the key's. The first
 * byte flags what else was left out: the logs' {@link LOG_CONTEXT} when each equals the
 * receipt's, and the 256-byte bloom when it is the bloom of the logs (always, on a sound node).
 */
export const receiptValue = {
  encode(receipt: RpcTransactionReceipt): Uint8Array {
    const record = asRecord(receipt);
    const logs = receipt.logs.map(asRecord);
    const logContext = logs.every((log) => LOG_CONTEXT.every((field) => log[field] === record[field]));
    const bloom = receipt.logsBloom === logsBloom(receipt.logs);
    const stored = omit(record, { blockNumber: quantity(receipt.blockNumber), transactionIndex: quantity(receipt.transactionIndex) });
    if (bloom) delete stored.logsBloom;
    if (logContext) stored.logs = logs.map((log) => withoutFields(log, LOG_CONTEXT));
    const flags = (logContext ? RECEIPT_FLAGS.logContext : 0) | (bloom ? RECEIPT_FLAGS.bloom : 0);
    return concat([Uint8Array.of(flags), encodeRecord(stored, RECEIPT_SCHEMA)]);
  },
  decode(bytes: Uint8Array, blockNumber: bigint, transactionIndex: number): RpcTransactionReceipt {
    const flags = bytes[0];
    const receipt = restore(decodeRecord(bytes.subarray(1), RECEIPT_SCHEMA), { blockNumber: quantity(blockNumber), transactionIndex: quantity(transactionIndex) });
    const logs = receipt.logs as RpcRecord[];
    if (flags & RECEIPT_FLAGS.logContext) {
      const context = Object.fromEntries(LOG_CONTEXT.filter((field) => Object.hasOwn(receipt, field)).map((field) => [field, receipt[field]]));
      receipt.logs = logs.map((log) => ({ ...log, ...context }));
    }
    if (flags & RECEIPT_FLAGS.bloom) receipt.logsBloom = logsBloom(receipt.logs as unknown as RpcLog[]);
    return receipt as unknown as RpcTransactionReceipt;
  },
};

/** A log in its address's partition; address, block number and log index are the key's. */
export const addressLogValue = {
  encode: (log: RpcLog): Uint8Array => encodeRecord(omit(asRecord(log), { address: canonicalHex(log.address), ...positionFields(log) }), LOG_SCHEMA),
  /** `partition` is the stored partition: the address's bytes. */
  decode: (bytes: Uint8Array, partition: Uint8Array, sort: Uint8Array): RpcLog =>
    restore(decodeRecord(bytes, LOG_SCHEMA), { address: bytesToHex(partition), ...positionFields(positionOf(sort)) }) as unknown as RpcLog,
};

/** A log in its topic0's partition; block number and log index are the key's. */
export const topicLogValue = {
  encode: (log: RpcLog): Uint8Array => encodeRecord(omit(asRecord(log), positionFields(log)), LOG_SCHEMA),
  decode: (bytes: Uint8Array, sort: Uint8Array): RpcLog => restore(decodeRecord(bytes, LOG_SCHEMA), positionFields(positionOf(sort))) as unknown as RpcLog,
};

/** A transfer in its token's partition: rlp[from, to, value, tx hash, tx index]. */
export const tokenTransferValue = {
  encode: (t: Erc20Transfer): Uint8Array => toRlp([t.from, t.to, uint(t.value), t.transactionHash, uint(t.transactionIndex)], 'bytes'),
  /** `partition` is the stored partition: the token's bytes. */
  decode(bytes: Uint8Array, partition: Uint8Array, sort: Uint8Array): Erc20Transfer {
    const [from, to, value, transactionHash, transactionIndex] = rlpFields(bytes, 5);
    return { token: bytesToHex(partition), from, to, value: uintOf(value), ...positionOf(sort), transactionHash, transactionIndex: Number(uintOf(transactionIndex)) };
  },
};

/** A transfer in a holder's partition: rlp[token, other party, value, tx hash, tx index]; the direction ends the sort key. */
export const holderTransferValue = {
  encode(t: Erc20Transfer, direction: 'in' | 'out'): Uint8Array {
    return toRlp([t.token, direction === 'out' ? t.to : t.from, uint(t.value), t.transactionHash, uint(t.transactionIndex)], 'bytes');
  },
  /** `partition` is the stored partition: the holder's bytes. */
  decode(bytes: Uint8Array, partition: Uint8Array, sort: Uint8Array): HolderTransfer {
    const [token, other, value, transactionHash, transactionIndex] = rlpFields(bytes, 5);
    const holder = bytesToHex(partition);
    const direction = sort[12] === DIRECTION.out ? 'out' : 'in';
    return {
      token,
      from: direction === 'out' ? holder : other,
      to: direction === 'out' ? other : holder,
      value: uintOf(value),
      ...positionOf(sort),
      transactionHash,
      transactionIndex: Number(uintOf(transactionIndex)),
      direction,
    };
  },
};

// ------------------------------------------------------------------ helpers

/** A viem RPC type as the codec's record type: they are the same JSON objects. */
function asRecord(value: object): RpcRecord {
  return value as unknown as RpcRecord;
}

/** A JSON-RPC QUANTITY, as nodes write it. */
function quantity(n: bigint | number | string | null): Hex {
  if (n === null) throw new TypeError('A record to store has no block number or index (a pending block?)');
  return `0x${BigInt(n).toString(16)}`;
}

function positionFields(log: RpcLog | LogPosition): { blockNumber: Hex; logIndex: Hex } {
  return { blockNumber: quantity(log.blockNumber), logIndex: quantity(log.logIndex) };
}

/**
 * `record` without the fields the key gives back: each is left out only when it is written
 * exactly as {@link restore} will write it, so the round trip is exact (invariant 3).
 */
function omit(record: RpcRecord, derived: Record<string, string>): RpcRecord {
  const out = { ...record };
  for (const [field, value] of Object.entries(derived)) if (out[field] === value) delete out[field];
  return out;
}

/** Puts back the fields {@link omit} left out. */
function restore(record: RpcRecord, derived: Record<string, string>): RpcRecord {
  for (const [field, value] of Object.entries(derived)) if (!Object.hasOwn(record, field)) record[field] = value;
  return record;
}

function withoutFields(record: RpcRecord, fields: readonly string[]): RpcRecord {
  const out = { ...record };
  for (const field of fields) delete out[field];
  return out;
}

/** Lower-case hex: how nodes write DATA, and how a key's bytes read back. */
function canonicalHex(hex: string): string {
  return hex.toLowerCase();
}

/** An unsigned integer as RLP writes it: minimal big-endian bytes, none for 0. */
function uint(n: bigint | number): Hex {
  const hex = BigInt(n).toString(16);
  return n === 0 || n === 0n ? '0x' : `0x${hex.length % 2 === 0 ? hex : `0${hex}`}`;
}

function uintOf(hex: Hex): bigint {
  return hex === '0x' ? 0n : BigInt(hex);
}

function rlpFields(bytes: Uint8Array, count: number): Hex[] {
  const fields = fromRlp(bytes, 'hex');
  if (!Array.isArray(fields) || fields.length !== count || fields.some(Array.isArray)) throw new TypeError(`Not a stored transfer: expected an RLP list of ${count} strings`);
  return fields as Hex[];
}
