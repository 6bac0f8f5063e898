/**
 * The fields of Ethereum JSON-RPC objects as {@link encodeRecord} stores them: the
 * execution-apis spec's blocks, transactions, receipts and logs up to Prague, plus the
 * `blockTimestamp` that recent nodes add.
 *
 * Append only: an entry's position is its bit in stored records, so inserting or removing
 * one misreads every record already stored. A field missing here is still stored (by name,
 * as JSON text), only less compactly.
 */
import type { RecordSchema } from './record-codec.ts';

export const LOG_SCHEMA: RecordSchema = [
  ['address', 'data'],
  ['topics', 'dataList'],
  ['data', 'data'],
  ['blockHash', 'data'],
  ['blockNumber', 'quantity'],
  ['blockTimestamp', 'quantity'],
  ['blockTimestamp', 'integer'],
  ['transactionHash', 'data'],
  ['transactionIndex', 'quantity'],
  ['logIndex', 'quantity'],
  ['removed', 'bool'],
];

const ACCESS_LIST_ENTRY_SCHEMA: RecordSchema = [
  ['address', 'data'],
  ['storageKeys', 'dataList'],
];

const AUTHORIZATION_SCHEMA: RecordSchema = [
  ['chainId', 'quantity'],
  ['address', 'data'],
  ['nonce', 'quantity'],
  ['yParity', 'quantity'],
  ['r', 'quantity'],
  ['s', 'quantity'],
];

const WITHDRAWAL_SCHEMA: RecordSchema = [
  ['index', 'quantity'],
  ['validatorIndex', 'quantity'],
  ['address', 'data'],
  ['amount', 'quantity'],
];

export const TRANSACTION_SCHEMA: RecordSchema = [
  ['type', 'quantity'],
  ['chainId', 'quantity'],
  ['nonce', 'quantity'],
  ['gas', 'quantity'],
  ['gasPrice', 'quantity'],
  ['maxFeePerGas', 'quantity'],
  ['maxPriorityFeePerGas', 'quantity'],
  ['maxFeePerBlobGas', 'quantity'],
  ['to', 'data'],
  ['value', 'quantity'],
  ['accessList', { list: ACCESS_LIST_ENTRY_SCHEMA }],
  ['blobVersionedHashes', 'dataList'],
  ['authorizationList', { list: AUTHORIZATION_SCHEMA }],
  ['input', 'data'],
  ['r', 'quantity'],
  ['s', 'quantity'],
  ['yParity', 'quantity'],
  ['v', 'quantity'],
  ['hash', 'data'],
  ['blockHash', 'data'],
  ['blockNumber', 'quantity'],
  ['blockTimestamp', 'quantity'],
  ['blockTimestamp', 'integer'],
  ['transactionIndex', 'quantity'],
  ['from', 'data'],
];

export const RECEIPT_SCHEMA: RecordSchema = [
  ['type', 'quantity'],
  ['status', 'quantity'],
  ['root', 'data'],
  ['cumulativeGasUsed', 'quantity'],
  ['logs', { list: LOG_SCHEMA }],
  ['logsBloom', 'data'],
  ['transactionHash', 'data'],
  ['transactionIndex', 'quantity'],
  ['blockHash', 'data'],
  ['blockNumber', 'quantity'],
  ['blockTimestamp', 'quantity'],
  ['blockTimestamp', 'integer'],
  ['gasUsed', 'quantity'],
  ['effectiveGasPrice', 'quantity'],
  ['blobGasPrice', 'quantity'],
  ['blobGasUsed', 'quantity'],
  ['from', 'data'],
  ['to', 'data'],
  ['contractAddress', 'data'],
];

/** A block as `eth_getBlockByNumber(n, false)` answers: transactions as hashes. */
export const BLOCK_SCHEMA: RecordSchema = [
  ['number', 'quantity'],
  ['hash', 'data'],
  ['parentHash', 'data'],
  ['sha3Uncles', 'data'],
  ['miner', 'data'],
  ['stateRoot', 'data'],
  ['transactionsRoot', 'data'],
  ['receiptsRoot', 'data'],
  ['logsBloom', 'data'],
  ['difficulty', 'quantity'],
  ['gasLimit', 'quantity'],
  ['gasUsed', 'quantity'],
  ['timestamp', 'quantity'],
  ['extraData', 'data'],
  ['mixHash', 'data'],
  ['nonce', 'data'],
  ['baseFeePerGas', 'quantity'],
  ['withdrawalsRoot', 'data'],
  ['blobGasUsed', 'quantity'],
  ['excessBlobGas', 'quantity'],
  ['parentBeaconBlockRoot', 'data'],
  ['requestsHash', 'data'],
  ['totalDifficulty', 'quantity'],
  ['size', 'quantity'],
  ['uncles', 'dataList'],
  ['transactions', 'dataList'],
  ['withdrawals', { list: WITHDRAWAL_SCHEMA }],
];
