/**
 * A real local Ethereum node for tests, examples and benchmarks: anvil from the
 * `@foundry-rs/anvil` npm package, on 127.0.0.1 only, on a port the OS picks, stopped by
 * its pid (and killed with this process if that exits first).
 *
 * It runs with `--no-mining`: the caller sends a batch of transactions and mines it with
 * `anvil_mine` (or `evm_mine`). Automining thousands of queued transactions makes anvil
 * collapse (9 GB, few blocks; see ../../../shared/reference/ethereum-data.md).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface AnvilOptions {
  /** Funded, unlocked accounts. @default 20 */
  accounts?: number;
  /** Balance of each account, in ether. @default 100000 */
  balanceEther?: number;
  /** Block gas limit, in gas. @default 60_000_000 */
  gasLimit?: number;
  /** How long anvil may take to listen, in ms. @default 20_000 */
  startTimeoutMs?: number;
}

export interface AnvilNode {
  /** The JSON-RPC URL, `http://127.0.0.1:<port>`. */
  url: string;
  pid: number;
  /** Stops anvil (SIGTERM, then SIGKILL after 5 s); resolves when it has exited. */
  stop(): Promise<void>;
}

/** The anvil binary: the platform package's native one, so the pid we kill is anvil's own. */
function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  try {
    const native = join(dirname(require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`)), 'bin', 'anvil');
    if (existsSync(native)) return native;
  } catch {
    // no native package for this platform: fall back to the wrapper, which forwards SIGTERM
  }
  return join(dirname(require.resolve('@foundry-rs/anvil/package.json')), 'bin.mjs');
}

/** Starts anvil and resolves once it listens. */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilNode> {
  const args = [
    '--host', '127.0.0.1',
    '--port', '0',
    '--no-mining',
    // Mine transactions in the order they arrive rather than by fee: a workload's blocks
    // then follow the order it sent them in.
    '--order', 'fifo',
    '--accounts', String(options.accounts ?? 20),
    '--balance', String(options.balanceEther ?? 100_000),
    '--gas-limit', String(options.gasLimit ?? 60_000_000),
  ];
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('anvil did not start (no pid)');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Kills anvil if this process exits without calling stop() (a crashed test run).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`anvil did not listen within ${options.startTimeoutMs ?? 20_000} ms:\n${output.slice(-2000)}`)), options.startTimeoutMs ?? 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`anvil exited with code ${code} before listening:\n${output.slice(-2000)}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on (127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    });
  });
  // anvil logs every transaction; keep draining its pipes so it never blocks on a full one.
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();

  return {
    url,
    pid,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
