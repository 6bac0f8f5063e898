/**
 * Ethereum dapp data in BigMap, end to end:
 *
 *  1. starts anvil (a real local Ethereum node, from npm) on 127.0.0.1;
 *  2. deploys the real Uniswap V2 contracts from the @uniswap/v2-core artifacts (Factory,
 *     two ERC-20 tokens, their Pair), adds liquidity, then mines blocks of ETH transfers,
 *     ERC-20 transfers and swaps (see ethereum/test/workload.ts);
 *  3. imports the chain into an in-process BigMap (`BigMap.local()`) with `importChain`;
 *  4. answers each lookup of the schema and prints how long it took.
 *
 * Run: `node examples/uniswap-demo.ts [transactions]` (default 2,000). Everything stops at
 * the end: anvil by its pid, the replica in this process.
 */
import { formatEther, parseEventLogs, toEventSelector, type Address, type Hash } from 'viem';
import { BigMap } from '../client/index.ts';
import {
  TRANSFER_TOPIC,
  getBlock,
  getReceipts,
  getTransaction,
  importChain,
  logsByTopic,
  logsOfAddress,
  transfersOfHolder,
  transfersOfToken,
} from '../ethereum/index.ts';
import { startAnvil } from '../ethereum/test/anvil.ts';
import { generateWorkload, uniswap } from '../ethereum/test/workload.ts';

const transactions = Number(process.argv[2] ?? 2_000);
const SWAP_TOPIC = toEventSelector('Swap(address,uint256,uint256,uint256,uint256,address)');

/** Runs `lookup`, and returns its answer with the time it took in ms. */
async function timed<T>(lookup: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const answer = await lookup();
  return [answer, performance.now() - started];
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const anvil = await startAnvil();
const local = await BigMap.local();
try {
  let started = performance.now();
  console.log(`anvil listens on ${anvil.url} (pid ${anvil.pid}); deploying Uniswap V2 and sending ${transactions} transactions…`);
  const chain = await generateWorkload(anvil.url, { transactions });
  console.log(`  ${chain.lastBlock + 1} blocks, ${chain.transactions} transactions in ${seconds(performance.now() - started)}`);
  console.log(`  factory ${chain.factory}, pair ${chain.pair}, tokens ${chain.tokens.join(', ')}`);

  started = performance.now();
  let lastLine = '';
  const summary = await importChain(local.bigmap, {
    rpcUrl: anvil.url,
    fromBlock: 0,
    toBlock: 'latest',
    onProgress: (p) => {
      const line = `  importing: block ${p.lastBlock} of ${p.toBlock}, ${p.transactions} transactions`;
      if (line !== lastLine) process.stdout.write(`${line}\r`);
      lastLine = line;
    },
  });
  console.log(
    `\nimported ${summary.blocks} blocks, ${summary.transactions} transactions, ${summary.logs} logs, ${summary.transfers} ERC-20 transfers ` +
      `(${(summary.bytes / 1e6).toFixed(1)} MB) in ${summary.seconds.toFixed(1)} s: ${summary.blocksPerSecond.toFixed(1)} blocks/s, ` +
      `${summary.transactionsPerSecond.toFixed(0)} tx/s, ${summary.megabytesPerSecond.toFixed(2)} MB/s`,
  );

  const { bigmap } = local;
  const chainId = summary.chainId;
  const middle = Math.floor(chain.lastBlock / 2);
  const trader = chain.accounts[0] as Address;
  const rows: Array<{ lookup: string; ms: string; answer: string }> = [];
  const row = (lookup: string, ms: number, answer: string) => rows.push({ lookup, ms: ms.toFixed(1), answer });

  const [block, blockMs] = await timed(() => getBlock(bigmap, chainId, middle));
  row(`getBlock(${middle})`, blockMs, `${String(block!.hash).slice(0, 18)}…, ${block!.transactions.length} transactions, gas used ${block!.gasUsed}`);

  const hash = block!.transactions[0] as Hash;
  const [tx, txMs] = await timed(() => getTransaction(bigmap, chainId, hash));
  row(`getTransaction(${hash.slice(0, 10)}…)`, txMs, `${tx!.from.slice(0, 10)}… → ${tx!.to?.slice(0, 10)}…, ${formatEther(tx!.value)} ETH`);

  const [receipts, receiptsMs] = await timed(() => getReceipts(bigmap, chainId, middle));
  row(`getReceipts(${middle})`, receiptsMs, `${receipts.length} receipts, ${receipts.filter((r) => r.status === 'reverted').length} reverted, ${receipts.reduce((n, r) => n + r.logs.length, 0)} logs`);

  const [pairLogs, pairMs] = await timed(() => collect(logsOfAddress(bigmap, chainId, chain.pair)));
  const events = new Map<string, number>();
  for (const { eventName } of parseEventLogs({ abi: uniswap.pair.abi, logs: pairLogs })) events.set(eventName, (events.get(eventName) ?? 0) + 1);
  row('logsOfAddress(pair)', pairMs, `${pairLogs.length} logs: ${[...events].map(([name, n]) => `${n} ${name}`).join(', ')}`);

  const [recent, recentMs] = await timed(() => collect(logsOfAddress(bigmap, chainId, chain.pair, { fromBlock: middle, toBlock: middle + 2 })));
  row(`logsOfAddress(pair, blocks ${middle}…${middle + 2})`, recentMs, `${recent.length} logs`);

  const [swaps, swapsMs] = await timed(() => collect(logsByTopic(bigmap, chainId, SWAP_TOPIC)));
  row('logsByTopic(Swap)', swapsMs, `${swaps.length} swaps`);

  const [transfers, transfersMs] = await timed(() => collect(logsByTopic(bigmap, chainId, TRANSFER_TOPIC, { reverse: true, limit: 100 })));
  row('logsByTopic(Transfer, newest 100)', transfersMs, `${transfers.length} logs, newest in block ${transfers[0]?.blockNumber}`);

  const [tokenTransfers, tokenMs] = await timed(() => collect(transfersOfToken(bigmap, chainId, chain.tokens[0])));
  const volume = tokenTransfers.reduce((sum, t) => sum + t.value, 0n);
  row(`transfersOfToken(${chain.tokens[0].slice(0, 10)}…)`, tokenMs, `${tokenTransfers.length} transfers, ${formatEther(volume)} tokens moved`);

  const [held, heldMs] = await timed(() => collect(transfersOfHolder(bigmap, chainId, trader)));
  row(`transfersOfHolder(${trader.slice(0, 10)}…)`, heldMs, `${held.filter((t) => t.direction === 'in').length} in, ${held.filter((t) => t.direction === 'out').length} out`);

  console.table(rows);
} finally {
  await local.close();
  await anvil.stop();
}
