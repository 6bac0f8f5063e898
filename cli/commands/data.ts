/**
 * Data commands: `put`, `get`, `del`, `scan` on one collection (`--collection`, default
 * `default`). Keys are text (the partition); `--sort` adds a sort key. Values are bytes:
 * a literal, `@file`, or `-` for stdin.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { codecs, type Key } from '../../client/index.ts';
import { connect } from '../connect.ts';
import { CliError, EXIT } from '../errors.ts';
import { printJson } from '../output.ts';
import { globals } from '../globals.ts';

interface KeyOptions {
  sort?: string;
}

const keyOf = (partition: string, options: KeyOptions): Key => (options.sort === undefined ? partition : { partition, sort: options.sort });
const label = (partition: string, options: KeyOptions) => (options.sort === undefined ? partition : `${partition} (sort ${options.sort})`);

async function readValue(arg: string): Promise<Uint8Array> {
  if (arg === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
  if (arg.startsWith('@')) {
    try {
      return new Uint8Array(readFileSync(arg.slice(1)));
    } catch {
      throw new CliError(`Cannot read ${arg.slice(1)}.`, EXIT.usage);
    }
  }
  return new TextEncoder().encode(arg);
}

/** Text if the bytes are UTF-8, else base64. */
function describeValue(value: Uint8Array): { value: string; encoding: 'utf8' | 'base64' } {
  try {
    return { value: new TextDecoder('utf-8', { fatal: true }).decode(value), encoding: 'utf8' };
  } catch {
    return { value: Buffer.from(value).toString('base64'), encoding: 'base64' };
  }
}

async function collection(command: Command) {
  const options = globals(command);
  const bm = await connect(options);
  return { options, items: bm.collection(options.collection, { value: codecs.bytes() }) };
}

export function registerDataCommands(program: Command): void {
  program
    .command('put')
    .description('store a value under a key')
    .argument('<key>', 'the key (its partition)')
    .argument('<value>', 'the value: text, @file for a file, - for stdin')
    .option('--sort <sort>', 'sort key, to keep items of one partition in order')
    .option('--if-absent', 'only if the key holds nothing')
    .option('--if-version <version>', 'only if the key is at this version')
    .action(async (key: string, value: string, options: KeyOptions & { ifAbsent?: boolean; ifVersion?: string }, command: Command) => {
      const { options: g, items } = await collection(command);
      const bytes = await readValue(value);
      const { version } = await items.put(keyOf(key, options), bytes, {
        ...(options.ifAbsent ? { ifAbsent: true } : {}),
        ...(options.ifVersion === undefined ? {} : { ifVersion: parseVersion(options.ifVersion) }),
      });
      if (g.json) printJson({ key, sort: options.sort ?? null, version, bytes: bytes.length });
      else console.log(`stored ${label(key, options)} in ${g.collection} (${bytes.length} bytes, version ${version})`);
    });

  program
    .command('get')
    .description('print the value under a key (exit code 1 if absent)')
    .argument('<key>')
    .option('--sort <sort>', 'sort key')
    .action(async (key: string, options: KeyOptions, command: Command) => {
      const { options: g, items } = await collection(command);
      const entry = await items.getEntry(keyOf(key, options));
      if (g.json) {
        printJson(entry ? { key, found: true, version: entry.version, ...describeValue(entry.value) } : { key, found: false });
      } else if (entry) {
        process.stdout.write(entry.value);
        if (process.stdout.isTTY && entry.value.at(-1) !== 0x0a) process.stdout.write('\n');
      }
      if (!entry) {
        if (!g.json) console.error(`bigmap: ${label(key, options)} is not in ${g.collection}`);
        process.exitCode = EXIT.failure;
      }
    });

  program
    .command('del')
    .description('delete a key')
    .argument('<key>')
    .option('--sort <sort>', 'sort key')
    .action(async (key: string, options: KeyOptions, command: Command) => {
      const { options: g, items } = await collection(command);
      const existed = await items.delete(keyOf(key, options));
      if (g.json) printJson({ key, existed });
      else console.log(existed ? `deleted ${label(key, options)}` : `${label(key, options)} was not there`);
    });

  program
    .command('scan')
    .description('list items: of one partition in sort-key order, or of the whole collection')
    .option('--partition <partition>', 'the partition to scan (default: every item of the collection)')
    .option('--from <sort>', 'first sort key included')
    .option('--to <sort>', 'first sort key excluded')
    .option('--reverse', 'highest sort keys first')
    .option('--limit <n>', 'at most this many items')
    .action(async (options: { partition?: string; from?: string; to?: string; reverse?: boolean; limit?: string }, command: Command) => {
      const { options: g, items } = await collection(command);
      const limit = options.limit === undefined ? Number.MAX_SAFE_INTEGER : parseCount(options.limit);
      const rows: Array<{ key: unknown; value: string; encoding: string }> = [];
      const emit = (key: unknown, value: Uint8Array) => {
        const v = describeValue(value);
        if (g.json) rows.push({ key, ...v });
        else console.log(`${typeof key === 'string' ? key : JSON.stringify(key)}\t${v.encoding === 'utf8' ? v.value : `base64:${v.value}`}`);
      };
      if (options.partition !== undefined) {
        const scan = items.scan({
          partition: options.partition,
          ...(options.from === undefined ? {} : { from: options.from }),
          ...(options.to === undefined ? {} : { to: options.to }),
          reverse: options.reverse ?? false,
          limit,
        });
        for await (const [sort, value] of scan) emit(sort, value);
      } else {
        if (options.from !== undefined || options.to !== undefined || options.reverse) throw new CliError('--from, --to and --reverse need --partition.', EXIT.usage);
        let n = 0;
        for await (const [key, value] of items.entries()) {
          if (n++ >= limit) break;
          emit(key, value);
        }
      }
      if (g.json) printJson({ collection: g.collection, items: rows });
    });
}

function parseVersion(text: string): bigint {
  if (!/^\d+$/.test(text)) throw new CliError(`--if-version wants a version number, got ${JSON.stringify(text)}.`, EXIT.usage);
  return BigInt(text);
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`--limit wants a count, got ${JSON.stringify(text)}.`, EXIT.usage);
  return n;
}
