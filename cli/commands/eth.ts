/**
 * Ethereum commands: `import-eth` copies a block range from a JSON-RPC node into BigMap
 * (resumable: run it again to continue); `eth block|tx|receipts|logs|transfers|chains`
 * read it back, each with one lookup or one partition scan (bigmap/ethereum).
 */
import type { Command } from 'commander';
import { formatEther, type Address, type Hash, type Log } from 'viem';
import type { BigMap } from '../../client/index.ts';
import {
  DEFAULT_IMPORT_OPTIONS,
  getBlock,
  getReceipts,
  getTransaction,
  importChain,
  importedChains,
  logsByTopic,
  logsOfAddress,
  transfersOfHolder,
  transfersOfToken,
  type BlockRangeOptions,
  type Erc20Transfer,
  type ImportSummary,
} from '../../ethereum/index.ts';
import { connect } from '../connect.ts';
import { CliError, EXIT } from '../errors.ts';
import { globals } from '../globals.ts';
import { formatBytes, printJson, progress } from '../output.ts';

interface ImportFlags {
  rpc: string;
  from: string;
  to: string;
  chainId?: string;
  blocksPerBatch: string;
  batchesAhead: string;
  rpcBatchSize: string;
}

interface RangeFlags {
  fromBlock?: string;
  toBlock?: string;
  reverse?: boolean;
  limit?: string;
}

export function registerEthCommands(program: Command): void {
  program
    .command('import-eth')
    .description('import blocks, transactions, receipts, logs and ERC-20 transfers from an Ethereum JSON-RPC node (resumes where the last run stopped)')
    .requiredOption('--rpc <url>', 'the node\'s JSON-RPC URL, e.g. http://127.0.0.1:8545')
    .option('--from <block>', 'first block', '0')
    .option('--to <block>', 'last block, or "latest" for the node\'s head', 'latest')
    .option('--chain-id <id>', 'store under this chain id instead of the node\'s (keeps two chains with one id apart)')
    .option('--blocks-per-batch <n>', 'blocks read and written together; progress is saved after each batch', String(DEFAULT_IMPORT_OPTIONS.blocksPerBatch))
    .option('--batches-ahead <n>', 'batches read ahead of the one being written', String(DEFAULT_IMPORT_OPTIONS.batchesAhead))
    .option('--rpc-batch-size <n>', 'JSON-RPC requests per HTTP call to the node (two per block)', String(DEFAULT_IMPORT_OPTIONS.rpcBatchSize))
    .action(async (flags: ImportFlags, command: Command) => {
      const g = globals(command);
      const bigmap = await connect(g);
      const bar = progress('importing');
      // Ctrl+C stops after the batch being written, so the saved progress is exact; a second one kills.
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.once('SIGINT', onInterrupt);
      const summary = await importChain(bigmap, {
        rpcUrl: flags.rpc,
        fromBlock: count(flags.from, '--from'),
        toBlock: flags.to === 'latest' ? 'latest' : count(flags.to, '--to'),
        ...(flags.chainId === undefined ? {} : { chainId: count(flags.chainId, '--chain-id') }),
        blocksPerBatch: count(flags.blocksPerBatch, '--blocks-per-batch'),
        batchesAhead: count(flags.batchesAhead, '--batches-ahead'),
        rpcBatchSize: count(flags.rpcBatchSize, '--rpc-batch-size'),
        signal: stop.signal,
        onProgress: (p) => bar.update(p.blocksDone, p.blocksTotal, `block ${p.lastBlock}, ${p.transactions} tx, ${formatBytes(p.bytes)}`),
      }).finally(() => {
        process.off('SIGINT', onInterrupt);
        bar.stop();
      });
      if (g.json) printJson({ summary });
      else console.log(describeSummary(summary));
    });

  const eth = program
    .command('eth')
    .description('read imported Ethereum data')
    .option('--chain-id <id>', 'the chain to read (default: the only one imported)');

  eth
    .command('chains')
    .description('list the chains this BigMap holds, with their block ranges')
    .action(async (_flags: unknown, command: Command) => {
      const g = globals(command);
      const chains = await importedChains(await connect(g));
      if (g.json) printJson({ chains });
      else if (chains.length === 0) console.log('no Ethereum data: import some with `bigmap import-eth --rpc <url>`');
      else for (const c of chains) console.log(`chain ${c.chainId}: blocks ${c.firstBlock}…${c.lastBlock} (last ${c.lastBlockHash})`);
    });

  eth
    .command('block')
    .description('show a block (its transactions as hashes)')
    .argument('<number>', 'block number')
    .action(async (number: string, _flags: unknown, command: Command) => {
      const blockNumber = count(number, 'the block number');
      const { g, bigmap, chainId } = await reader(command);
      const block = await getBlock(bigmap, chainId, blockNumber);
      if (!block) return notFound(g.json, `block ${number} of chain ${chainId}`, { chainId, block: null });
      if (g.json) return printJson({ chainId, block });
      console.log(
        [
          `block ${block.number} of chain ${chainId}`,
          `  hash        ${block.hash}`,
          `  parent      ${block.parentHash}`,
          `  time        ${new Date(Number(block.timestamp) * 1000).toISOString()}`,
          `  miner       ${block.miner}`,
          `  gas used    ${block.gasUsed} of ${block.gasLimit}`,
          `  base fee    ${block.baseFeePerGas ?? '–'} wei`,
          `  transactions ${block.transactions.length}`,
        ].join('\n'),
      );
    });

  eth
    .command('tx')
    .description('show a transaction')
    .argument('<hash>', 'transaction hash')
    .action(async (hash: string, _flags: unknown, command: Command) => {
      const { g, bigmap, chainId } = await reader(command);
      const tx = await getTransaction(bigmap, chainId, hash as Hash);
      if (!tx) return notFound(g.json, `transaction ${hash} of chain ${chainId}`, { chainId, transaction: null });
      if (g.json) return printJson({ chainId, transaction: tx });
      console.log(
        [
          `transaction ${tx.hash}`,
          `  block       ${tx.blockNumber} (index ${tx.transactionIndex})`,
          `  from        ${tx.from}`,
          `  to          ${tx.to ?? '(contract creation)'}`,
          `  value       ${formatEther(tx.value)} ETH`,
          `  nonce       ${tx.nonce}`,
          `  gas         ${tx.gas}`,
          `  type        ${tx.type}`,
          `  input       ${tx.input.length > 74 ? `${tx.input.slice(0, 74)}… (${(tx.input.length - 2) / 2} bytes)` : tx.input}`,
        ].join('\n'),
      );
    });

  eth
    .command('receipts')
    .description('list the receipts of a block')
    .argument('<number>', 'block number')
    .action(async (number: string, _flags: unknown, command: Command) => {
      const blockNumber = count(number, 'the block number');
      const { g, bigmap, chainId } = await reader(command);
      const receipts = await getReceipts(bigmap, chainId, blockNumber);
      if (g.json) return printJson({ chainId, blockNumber, receipts });
      for (const r of receipts) console.log(`${r.transactionIndex}\t${r.transactionHash}\t${r.status}\tgas ${r.gasUsed}\t${r.logs.length} log(s)`);
    });

  rangeOptions(eth.command('logs'))
    .description('list logs of a contract (--address) or of an event signature (--topic), in block order')
    .option('--address <address>', 'the contract that emitted them')
    .option('--topic <topic0>', 'their first topic (with --address, filters that contract\'s logs)')
    .action(async (flags: RangeFlags & { address?: string; topic?: string }, command: Command) => {
      if (flags.address === undefined && flags.topic === undefined) throw new CliError('eth logs needs --address or --topic.', EXIT.usage);
      const range = rangeOf(flags);
      const { g, bigmap, chainId } = await reader(command);
      const logs =
        flags.address !== undefined
          ? logsOfAddress(bigmap, chainId, flags.address as Address, { ...range, ...(flags.topic === undefined ? {} : { topic0: flags.topic as Hash }) })
          : logsByTopic(bigmap, chainId, flags.topic as Hash, range);
      const rows: Log[] = [];
      for await (const log of logs) {
        if (g.json) rows.push(log);
        else console.log(`${log.blockNumber}:${log.logIndex}\t${log.transactionHash}\t${log.address}\t${log.topics.join(',')}\t${log.data}`);
      }
      if (g.json) printJson({ chainId, logs: rows });
    });

  rangeOptions(eth.command('transfers'))
    .description('list ERC-20 transfers of a token (--token) or of a holder (--holder), in block order')
    .option('--token <address>', 'the token contract')
    .option('--holder <address>', 'an account that sent or received')
    .action(async (flags: RangeFlags & { token?: string; holder?: string }, command: Command) => {
      if ((flags.token === undefined) === (flags.holder === undefined)) throw new CliError('eth transfers needs exactly one of --token and --holder.', EXIT.usage);
      const range = rangeOf(flags);
      const { g, bigmap, chainId } = await reader(command);
      const transfers: AsyncIterable<Erc20Transfer & { direction?: 'in' | 'out' }> =
        flags.token !== undefined ? transfersOfToken(bigmap, chainId, flags.token as Address, range) : transfersOfHolder(bigmap, chainId, flags.holder as Address, range);
      const rows: Array<Erc20Transfer & { direction?: 'in' | 'out' }> = [];
      for await (const t of transfers) {
        if (g.json) rows.push(t);
        else console.log(`${t.blockNumber}:${t.logIndex}\t${t.transactionHash}\t${t.token}\t${t.from} → ${t.to}\t${t.value}${t.direction ? `\t${t.direction}` : ''}`);
      }
      if (g.json) printJson({ chainId, transfers: rows });
    });
}

function rangeOptions(command: Command): Command {
  return command
    .option('--from-block <n>', 'first block (included)')
    .option('--to-block <n>', 'last block (included)')
    .option('--reverse', 'newest first')
    .option('--limit <n>', 'at most this many');
}

function rangeOf(flags: RangeFlags): BlockRangeOptions {
  return {
    ...(flags.fromBlock === undefined ? {} : { fromBlock: count(flags.fromBlock, '--from-block') }),
    ...(flags.toBlock === undefined ? {} : { toBlock: count(flags.toBlock, '--to-block') }),
    ...(flags.reverse ? { reverse: true } : {}),
    ...(flags.limit === undefined ? {} : { limit: count(flags.limit, '--limit') }),
  };
}

/** The BigMap and the chain a read command works on. */
async function reader(command: Command): Promise<{ g: ReturnType<typeof globals>; bigmap: BigMap; chainId: number }> {
  const g = globals(command);
  const bigmap = await connect(g);
  const flag = (command.optsWithGlobals() as { chainId?: string }).chainId;
  if (flag !== undefined) return { g, bigmap, chainId: count(flag, '--chain-id') };
  const chains = await importedChains(bigmap);
  if (chains.length === 1) return { g, bigmap, chainId: chains[0].chainId };
  if (chains.length === 0) throw new CliError('This BigMap holds no Ethereum data: import some with `bigmap import-eth --rpc <url>`.');
  throw new CliError(`This BigMap holds chains ${chains.map((c) => c.chainId).join(', ')}: choose one with --chain-id.`, EXIT.usage);
}

function notFound(json: boolean, what: string, jsonValue: object): void {
  if (json) printJson(jsonValue);
  else console.error(`bigmap: ${what} is not in this BigMap`);
  process.exitCode = EXIT.failure;
}

/** A non-negative integer flag. @throws CliError naming the flag */
function count(text: string, name: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new CliError(`${name} wants a non-negative integer, got ${JSON.stringify(text)}.`, EXIT.usage);
  return n;
}

function describeSummary(s: ImportSummary): string {
  const skipped = s.skippedBlocks > 0 ? ` (${s.skippedBlocks} already stored)` : '';
  if (s.blocks === 0) return `chain ${s.chainId}: blocks ${s.fromBlock}…${s.toBlock} are already stored; nothing to import`;
  return [
    `chain ${s.chainId}: imported ${s.blocks} blocks up to ${s.toBlock}${skipped}: ${s.transactions} transactions, ${s.logs} logs, ${s.transfers} ERC-20 transfers, ${formatBytes(s.bytes)}`,
    `in ${s.seconds.toFixed(1)} s: ${s.blocksPerSecond.toFixed(1)} blocks/s, ${s.transactionsPerSecond.toFixed(0)} tx/s, ${s.megabytesPerSecond.toFixed(2)} MB/s`,
  ].join('\n');
}
