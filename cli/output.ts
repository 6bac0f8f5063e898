/**
 * How commands talk to the user: machine-readable JSON (`--json`, stable and versioned),
 * or human text; progress as a bar on a terminal and as plain lines otherwise.
 */
import { SingleBar } from 'cli-progress';

/** Version of the `--json` output shape (`schemaVersion` in every output). */
export const JSON_SCHEMA_VERSION = 1;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...(value as object) }, jsonReplacer, 2)}\n`);
}

/** bigint as a decimal string, bytes as base64: JSON has neither. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

export interface Progress {
  update(done: number, total: number, note?: string): void;
  stop(): void;
}

/** A progress bar on a TTY; elsewhere one line per change, so logs stay readable. */
export function progress(label: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {note}`, stream: process.stderr, hideCursor: true }, undefined);
    let started = false;
    return {
      update(done, total, note = '') {
        if (!started) {
          bar.start(Math.max(total, 1), done, { note });
          started = true;
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(done, { note });
      },
      stop: () => bar.stop(),
    };
  }
  let last = '';
  return {
    update(done, total, note = '') {
      const line = `${label}: ${done}/${total}${note ? ` ${note}` : ''}`;
      if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
    },
    stop() {},
  };
}

/** Bytes as a human size (KiB, MiB…). */
export function formatBytes(bytes: bigint | number): string {
  let n = Number(bytes);
  for (const unit of ['B', 'KiB', 'MiB', 'GiB', 'TiB']) {
    if (n < 1024 || unit === 'TiB') return `${unit === 'B' ? n : n.toFixed(1)} ${unit}`;
    n /= 1024;
  }
  return `${n}`;
}
