/**
 * Turns fetched blocks into the items the schema stores: one row per block, transaction
 * and receipt, and one per posting (each log under its address and its topic0, each
 * ERC-20 transfer under its token and under each holder). Pure: no I/O.
 */
import type { RpcTransactionReceipt } from 'viem';
import {
  addressLogValue,
  blockValue,
  holderTransferValue,
  keys,
  receiptValue,
  tokenTransferValue,
  topicLogValue,
  transactionValue,
  type ChainCollections,
  type RpcBlockHeader,
  type RpcFullBlock,
} from './schema.ts';
import { erc20TransferOf, ZERO_ADDRESS } from './transfers.ts';

/** A block as read from the node: with full transactions, and their receipts in order. */
export interface FetchedBlock {
  block: RpcFullBlock;
  receipts: RpcTransactionReceipt[];
}

/** One item to store: its key and its encoded value. */
export interface Row {
  key: { partition: Uint8Array; sort?: Uint8Array };
  value: Uint8Array;
}

/** Rows per collection (the keys of {@link ChainCollections}). */
export type Rows = Record<keyof ChainCollections, Row[]>;

export interface RowCounts {
  blocks: number;
  transactions: number;
  logs: number;
  /** ERC-20 transfers. */
  transfers: number;
  /** Bytes of partitions, sort keys and values. */
  bytes: number;
}

/** The rows of `blocks` and what they hold. */
export function rowsOf(blocks: readonly FetchedBlock[]): { rows: Rows; counts: RowCounts } {
  const rows: Rows = { blocks: [], transactions: [], receipts: [], logsByAddress: [], logsByTopic: [], transfersByToken: [], transfersByHolder: [] };
  const counts: RowCounts = { blocks: blocks.length, transactions: 0, logs: 0, transfers: 0, bytes: 0 };
  for (const { block, receipts } of blocks) {
    const header: RpcBlockHeader = { ...block, transactions: block.transactions.map((tx) => tx.hash) };
    rows.blocks.push({ key: { partition: keys.block(BigInt(block.number)) }, value: blockValue.encode(header) });
    for (const tx of block.transactions) rows.transactions.push({ key: { partition: keys.transaction(tx.hash) }, value: transactionValue.encode(tx) });
    counts.transactions += block.transactions.length;
    for (const receipt of receipts) {
      rows.receipts.push({ key: keys.receipt(BigInt(receipt.blockNumber), Number(receipt.transactionIndex)), value: receiptValue.encode(receipt) });
      for (const log of receipt.logs) {
        const blockNumber = BigInt(log.blockNumber);
        const logIndex = Number(log.logIndex);
        counts.logs++;
        rows.logsByAddress.push({ key: keys.posting(log.address, blockNumber, logIndex), value: addressLogValue.encode(log) });
        // A LOG0 (anonymous event without topics) has no topic0 to be found by.
        const topic0 = log.topics[0];
        if (topic0 !== undefined) rows.logsByTopic.push({ key: keys.posting(topic0, blockNumber, logIndex), value: topicLogValue.encode(log) });
        const transfer = erc20TransferOf(log);
        if (!transfer) continue;
        counts.transfers++;
        rows.transfersByToken.push({ key: keys.posting(transfer.token, blockNumber, logIndex), value: tokenTransferValue.encode(transfer) });
        // Mints and burns are not filed under the zero address: it would be one partition
        // holding every mint and burn of every token.
        if (transfer.from !== ZERO_ADDRESS) {
          rows.transfersByHolder.push({ key: keys.holderPosting(transfer.from, blockNumber, logIndex, 'out'), value: holderTransferValue.encode(transfer, 'out') });
        }
        if (transfer.to !== ZERO_ADDRESS) {
          rows.transfersByHolder.push({ key: keys.holderPosting(transfer.to, blockNumber, logIndex, 'in'), value: holderTransferValue.encode(transfer, 'in') });
        }
      }
    }
  }
  for (const list of Object.values(rows)) for (const row of list) counts.bytes += row.key.partition.length + (row.key.sort?.length ?? 0) + row.value.length;
  return { rows, counts };
}
