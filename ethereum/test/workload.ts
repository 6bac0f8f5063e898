/**
 * Generates a realistic chain on an anvil node: the real Uniswap V2 contracts from the
 * `@uniswap/v2-core` artifacts (a Factory, two test ERC-20 tokens, their Pair with
 * liquidity), then blocks mixing ETH transfers, ERC-20 transfers (a few of them failing
 * for want of balance, as on mainnet) and Uniswap swaps.
 *
 * A seed gives the same transactions (block hashes differ: anvil stamps blocks with the wall
 * clock). Transactions carry explicit gas, fees and nonces, so sending one is one
 * `eth_sendTransaction` (no estimate, no lookup); each batch is mined as one block with
 * viem's `mine` (`anvil_mine`).
 */
import { createRequire } from 'node:module';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  http,
  parseEther,
  type Abi,
  type Address,
  type Hex,
} from 'viem';
import { getBlockNumber, getChainId, mine, readContract, sendTransaction } from 'viem/actions';

export interface WorkloadOptions {
  /** Transactions after the setup (deployments, liquidity). */
  transactions: number;
  /** Transactions mined per block. @default 150 */
  transactionsPerBlock?: number;
  /** Seed of the random choices. @default 1 */
  seed?: number;
  /** Called after each mined block with the transactions sent so far. */
  onBlock?: (sent: number) => void;
}

export interface Workload {
  chainId: number;
  /** The last block mined (the chain is blocks 0 … lastBlock). */
  lastBlock: number;
  /** Transactions sent, setup included. */
  transactions: number;
  factory: Address;
  pair: Address;
  tokens: readonly [Address, Address];
  /** The funded accounts that sent and received. */
  accounts: readonly Address[];
}

interface Artifact {
  abi: Abi;
  bytecode: string;
}

const require = createRequire(import.meta.url);
/** The real Uniswap V2 artifacts (read at run time from node_modules, not redistributed). */
export const uniswap = {
  factory: require('@uniswap/v2-core/build/UniswapV2Factory.json') as Artifact,
  pair: require('@uniswap/v2-core/build/UniswapV2Pair.json') as Artifact,
  erc20: require('@uniswap/v2-core/build/ERC20.json') as Artifact,
};

/** Gas limits with room to spare (the node charges only what is used). */
const GAS = { transfer: 21_000n, erc20: 100_000n, swap: 200_000n, mint: 300_000n, createPair: 5_000_000n, deployToken: 3_000_000n, deployFactory: 10_000_000n } as const;
const FEES = { maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n } as const;
const TOKEN_SUPPLY = 10n ** 30n;
const LIQUIDITY = 10n ** 24n;

/** A seeded generator of numbers in [0, 1), so a seed gives the same chain. */
function random(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}

/** Uniswap V2's getAmountOut: what a swap of `amountIn` pays out with the 0.3% fee. */
function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const withFee = amountIn * 997n;
  return (withFee * reserveOut) / (reserveIn * 1000n + withFee);
}

/** Sends the workload to the anvil node at `url` (started with `--no-mining`) and mines it. */
export async function generateWorkload(url: string, options: WorkloadOptions): Promise<Workload> {
  const transport = http(url, { batch: { batchSize: 500 }, timeout: 60_000 });
  const wallet = createWalletClient({ transport });
  const test = createTestClient({ mode: 'anvil', transport });
  const reader = createPublicClient({ transport });
  const accounts = await wallet.request({ method: 'eth_accounts' });
  const [deployer, ...holders] = accounts;
  const rand = random(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const nonces = new Map<Address, number>();
  for (const a of accounts) nonces.set(a, await reader.request({ method: 'eth_getTransactionCount', params: [a, 'pending'] }).then(Number));

  let sent = 0;
  let queue: Array<Promise<Hex>> = [];
  const send = (from: Address, request: { to?: Address; data?: Hex; value?: bigint; gas: bigint }) => {
    const nonce = nonces.get(from)!;
    nonces.set(from, nonce + 1);
    sent++;
    queue.push(sendTransaction(wallet, { account: from, chain: null, nonce, ...FEES, ...request }));
    return nonce;
  };
  const mineQueued = async () => {
    await Promise.all(queue);
    queue = [];
    await mine(test, { blocks: 1 });
    options.onBlock?.(sent);
  };
  const call = (abi: Abi, functionName: string, args: readonly unknown[]) => encodeFunctionData({ abi, functionName, args });
  const deploy = (artifact: Artifact, args: readonly unknown[], gas: bigint): Address => {
    const bytecode = `0x${artifact.bytecode.replace(/^0x/, '')}` as Hex;
    const nonce = send(deployer, { data: encodeDeployData({ abi: artifact.abi, bytecode, args }), gas });
    return getContractAddress({ from: deployer, nonce: BigInt(nonce) });
  };

  // Setup: factory and tokens, then the pair, then balances and liquidity.
  const factory = deploy(uniswap.factory, [deployer], GAS.deployFactory);
  const tokenA = deploy(uniswap.erc20, [TOKEN_SUPPLY], GAS.deployToken);
  const tokenB = deploy(uniswap.erc20, [TOKEN_SUPPLY], GAS.deployToken);
  await mineQueued();
  send(deployer, { to: factory, data: call(uniswap.factory.abi, 'createPair', [tokenA, tokenB]), gas: GAS.createPair });
  await mineQueued();
  const pair = (await readContract(reader, { address: factory, abi: uniswap.factory.abi, functionName: 'getPair', args: [tokenA, tokenB] })) as Address;
  const token0 = (await readContract(reader, { address: pair, abi: uniswap.pair.abi, functionName: 'token0' })) as Address;
  const tokens = [tokenA, tokenB] as const;
  for (const token of tokens) {
    send(deployer, { to: token, data: call(uniswap.erc20.abi, 'transfer', [pair, LIQUIDITY]), gas: GAS.erc20 });
    for (const holder of holders) send(deployer, { to: token, data: call(uniswap.erc20.abi, 'transfer', [holder, 10n ** 24n]), gas: GAS.erc20 });
  }
  send(deployer, { to: pair, data: call(uniswap.pair.abi, 'mint', [deployer]), gas: GAS.mint });
  await mineQueued();

  // The pair's reserves, tracked here: only the deployer trades, so they are exact.
  const reserves = new Map<Address, bigint>([
    [tokenA, LIQUIDITY],
    [tokenB, LIQUIDITY],
  ]);
  const perBlock = options.transactionsPerBlock ?? 150;
  let inBlock = 0;
  for (let i = 0; i < options.transactions; i++) {
    const kind = rand();
    if (kind < 0.4) {
      send(pick(holders), { to: pick(accounts), value: parseEther('0.001') * BigInt(1 + Math.floor(rand() * 1000)), gas: GAS.transfer });
    } else if (kind < 0.9) {
      // About 1 in 50 ERC-20 transfers asks for more than anyone holds: it reverts, as many do on mainnet.
      const amount = rand() < 0.02 ? TOKEN_SUPPLY * 2n : 10n ** 18n * BigInt(1 + Math.floor(rand() * 100));
      send(pick(holders), { to: pick(tokens), data: call(uniswap.erc20.abi, 'transfer', [pick(accounts), amount]), gas: GAS.erc20 });
    } else {
      // A swap is two transactions: pay the pair, then ask for the output.
      const tokenIn = pick(tokens);
      const tokenOut = tokenIn === tokenA ? tokenB : tokenA;
      const amountIn = 10n ** 18n * BigInt(1 + Math.floor(rand() * 1000));
      const out = amountOut(amountIn, reserves.get(tokenIn)!, reserves.get(tokenOut)!);
      reserves.set(tokenIn, reserves.get(tokenIn)! + amountIn);
      reserves.set(tokenOut, reserves.get(tokenOut)! - out);
      send(deployer, { to: tokenIn, data: call(uniswap.erc20.abi, 'transfer', [pair, amountIn]), gas: GAS.erc20 });
      const args = tokenOut === token0 ? [out, 0n, deployer, '0x'] : [0n, out, deployer, '0x'];
      send(deployer, { to: pair, data: call(uniswap.pair.abi, 'swap', args), gas: GAS.swap });
      i++;
      inBlock++;
    }
    if (++inBlock >= perBlock) {
      await mineQueued();
      inBlock = 0;
    }
  }
  if (queue.length > 0) await mineQueued();
  return {
    chainId: await getChainId(reader),
    lastBlock: Number(await getBlockNumber(reader, { cacheTime: 0 })),
    transactions: sent,
    factory,
    pair,
    tokens,
    accounts,
  };
}
