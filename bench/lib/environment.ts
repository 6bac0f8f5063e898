/** What a benchmark result records about where it ran. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface BenchEnvironment {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  commit: string;
}

export function benchEnvironment(): BenchEnvironment {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    /* not a git checkout */
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    commit,
  };
}
