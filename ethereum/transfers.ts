/** ERC-20 transfers, as read from `Transfer(address,address,uint256)` logs. */
import type { Address, Hash } from 'viem';

/** topic0 of `Transfer(address indexed from, address indexed to, uint256 value)`. */
export const TRANSFER_TOPIC: Hash = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** The zero address: the `from` of a mint and the `to` of a burn, not a holder. */
export const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000';

/** One ERC-20 transfer. Addresses are lower-case hex, as nodes write them in logs. */
export interface Erc20Transfer {
  /** The token contract (the log's address). */
  token: Address;
  from: Address;
  to: Address;
  /** Amount in the token's smallest unit. */
  value: bigint;
  blockNumber: bigint;
  /** Position of the log in its block. */
  logIndex: number;
  transactionHash: Hash;
  transactionIndex: number;
}

/** A transfer as one holder sees it: `out` when the holder is `from`, `in` when it is `to`. */
export interface HolderTransfer extends Erc20Transfer {
  direction: 'in' | 'out';
}

/** The log fields a transfer is read from (a JSON-RPC log). */
export interface TransferLogFields {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: string | null;
  logIndex: string | null;
  transactionHash: string | null;
  transactionIndex: string | null;
}

/**
 * The ERC-20 transfer a log records, or undefined. ERC-721 uses the same topic0 with the
 * token id as a fourth topic and no data: those are not ERC-20 transfers.
 */
export function erc20TransferOf(log: TransferLogFields): Erc20Transfer | undefined {
  if (log.topics.length !== 3 || log.topics[0] !== TRANSFER_TOPIC || log.data.length !== 66) return undefined;
  if (log.blockNumber === null || log.logIndex === null || log.transactionHash === null || log.transactionIndex === null) return undefined;
  return {
    token: log.address.toLowerCase() as Address,
    from: topicAddress(log.topics[1]),
    to: topicAddress(log.topics[2]),
    value: BigInt(log.data),
    blockNumber: BigInt(log.blockNumber),
    logIndex: Number(log.logIndex),
    transactionHash: log.transactionHash as Hash,
    transactionIndex: Number(log.transactionIndex),
  };
}

/** The address in an indexed address topic (its low 20 bytes). */
function topicAddress(topic: string): Address {
  return `0x${topic.slice(-40).toLowerCase()}`;
}
