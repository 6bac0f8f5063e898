/**
 * `bigmap/ethereum`: Ethereum datasets in BigMap. {@link importChain} copies a block range
 * from any JSON-RPC node; the query helpers read it back with one lookup or one
 * single-partition scan each. The key layout is in schema.ts and README.md.
 *
 * @example
 * import { BigMap } from 'bigmap';
 * import { importChain, getBlock, transfersOfHolder } from 'bigmap/ethereum';
 * await importChain(bigmap, { rpcUrl: 'http://127.0.0.1:8545', fromBlock: 0, toBlock: 'latest' });
 * const block = await getBlock(bigmap, 31337, 1n);
 * for await (const t of transfersOfHolder(bigmap, 31337, holder)) console.log(t.direction, t.value);
 */
export { importChain, type ImportSummary } from './importer.ts';
export { DEFAULT_IMPORT_OPTIONS, type ImportOptions, type ImportProgress } from './import-options.ts';
export {
  getBlock,
  getReceipts,
  getTransaction,
  importedChains,
  logsByTopic,
  logsOfAddress,
  transfersOfHolder,
  transfersOfToken,
  type AddressLogsOptions,
  type BlockRangeOptions,
} from './queries.ts';
export { chainCollections, META_COLLECTION, progressKey, type ChainCollections, type ImportProgressRecord } from './schema.ts';
export { TRANSFER_TOPIC, type Erc20Transfer, type HolderTransfer } from './transfers.ts';
export {
  ChainMismatchError,
  EthereumRpcError,
  ImportAbortedError,
  ImportRangeError,
  ImportWriteError,
  InvalidRpcUrlError,
  RpcRequestFailedError,
  RpcUnreachableError,
} from './errors.ts';
