/**
 * The micro-benchmark pairs: each BigMap function next to the raw library call it wraps,
 * on the same inputs, so the ratio is the cost of what BigMap adds (validation, framing,
 * routing). Each pair checks first that both sides agree, so a fast wrong answer fails.
 */
import { IDL } from '@dfinity/candid';
import { decode as cborDecode, encode as cborEncode, type CborValue } from '@dfinity/cbor';
import { deepStrictEqual } from 'node:assert/strict';
import xxhash from 'xxhash-wasm';
import { codecs } from '../../client/codecs.ts';
import { storedKey } from '../../client/keys.ts';
import { DEFAULT_CLIENT_OPTIONS } from '../../client/options.ts';
import { splitIntoRequests } from '../../client/routing/dispatch.ts';
import { SLOT_COUNT, SlotTable, decodeKey, slotOf, type SlotRange } from '../../sharding/index.ts';
import { seededRandom } from '../lib/random.ts';

export interface MicroCase {
  readonly name: string;
  /** One operation; returns its result so the engine cannot drop the work. */
  readonly run: () => unknown;
}

export interface MicroPair {
  readonly name: string;
  readonly raw: MicroCase;
  readonly bigmap: MicroCase;
  /** Throws if the two sides disagree on the pair's inputs. */
  check(): void;
}

/** Keys rotated through by the key and hash pairs, so no single input gets special treatment. */
const KEY_COUNT = 1_024;
const COLLECTION = 'bench';
const utf8 = new TextEncoder();

/** An Ethereum-log-like record, the shape of value the codecs carry in `ethereum/`. */
interface LogRecord {
  address: string;
  blockNumber: number;
  logIndex: number;
  topics: string[];
  data: string;
}
const LogRecordType = IDL.Record({ address: IDL.Text, blockNumber: IDL.Nat32, logIndex: IDL.Nat32, topics: IDL.Vec(IDL.Text), data: IDL.Text });

export async function microPairs(seed: number): Promise<MicroPair[]> {
  const { h64Raw } = await xxhash();
  const random = seededRandom(seed);
  const hex = (bytes: number) => `0x${Array.from({ length: bytes }, () => Math.floor(random() * 256).toString(16).padStart(2, '0')).join('')}`;

  const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user-${i.toString().padStart(6, '0')}-${hex(4)}`);
  const partitions = keys.map((k) => utf8.encode(k));
  // The bytes xxh64 hashes for a key: collection ‖ 0x00 ‖ partition (sharding/key.ts).
  const hashInputs = keys.map((k) => utf8.encode(`${COLLECTION}\u0000${k}`));
  const ranges: SlotRange[] = Array.from({ length: 16 }, (_, i) => ({ start: i * 4096, end: i * 4096 + 4095, owner: `canister-${i}` }));
  const table = SlotTable.fromRanges(1n, ranges);
  let next = 0;
  const rotate = () => (next = (next + 1) % KEY_COUNT);

  const record: LogRecord = { address: hex(20), blockNumber: 19_000_000, logIndex: 3, topics: [hex(32), hex(32), hex(32), hex(32)], data: hex(128) };
  const json = codecs.json<LogRecord>();
  const cbor = codecs.cbor<LogRecord>();
  const candid = codecs.candid(LogRecordType);

  // A putMany of 2,000 items of 100 B – 10 KB: the byte cap splits it, not only the item cap.
  const itemSizes = Array.from({ length: 2_000 }, () => 100 + Math.floor(random() * 9_900));
  const limits = { maxBatchItems: 500, maxBatchBytes: DEFAULT_CLIENT_OPTIONS.maxBatchBytes };
  const sliceEvery = (items: number[], n: number) => Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, i * n + n));

  return [
    {
      name: 'key encoding',
      raw: { name: 'TextEncoder.encode', run: () => utf8.encode(`${COLLECTION}\u0000${keys[rotate()]}`) },
      bigmap: { name: 'client storedKey', run: () => storedKey(COLLECTION, keys[rotate()]) },
      check() {
        keys.forEach((k, i) => {
          const decoded = decodeKey(storedKey(COLLECTION, k));
          deepStrictEqual([decoded.collection, decoded.partition, decoded.slot], [COLLECTION, partitions[i], Number(h64Raw(hashInputs[i], 0n) >> 48n)]);
        });
      },
    },
    {
      name: 'xxHash64 + slot lookup',
      raw: { name: 'xxhash-wasm h64Raw', run: () => h64Raw(hashInputs[rotate()], 0n) },
      bigmap: { name: 'sharding slotOf + SlotTable.ownerOf', run: () => table.ownerOf(slotOf(COLLECTION, partitions[rotate()])) },
      check() {
        partitions.forEach((p, i) => {
          const slot = Number(h64Raw(hashInputs[i], 0n) >> 48n);
          deepStrictEqual([slotOf(COLLECTION, p), table.ownerOf(slotOf(COLLECTION, p))], [slot, `canister-${Math.floor((slot * 16) / SLOT_COUNT)}`]);
        });
      },
    },
    {
      name: 'json codec, encode + decode',
      raw: { name: 'JSON.stringify + JSON.parse', run: () => JSON.parse(JSON.stringify(record)) as unknown },
      bigmap: { name: 'codecs.json', run: () => json.decode(json.encode(record)) },
      check: () => deepStrictEqual(json.decode(json.encode(record)), JSON.parse(JSON.stringify(record))),
    },
    {
      name: 'cbor codec, encode + decode',
      raw: { name: '@dfinity/cbor encode + decode', run: () => cborDecode(cborEncode(record as unknown as CborValue)) },
      bigmap: { name: 'codecs.cbor', run: () => cbor.decode(cbor.encode(record)) },
      check: () => deepStrictEqual(cbor.decode(cbor.encode(record)), record),
    },
    {
      name: 'candid codec, encode + decode',
      raw: { name: '@dfinity/candid IDL.encode + IDL.decode', run: () => IDL.decode([LogRecordType], IDL.encode([LogRecordType], [record]))[0] },
      bigmap: { name: 'codecs.candid', run: () => candid.decode(candid.encode(record)) },
      check: () => deepStrictEqual({ ...candid.decode(candid.encode(record)) }, record),
    },
    {
      name: 'batch splitting, 2,000 items',
      raw: { name: `Array.slice every ${limits.maxBatchItems}`, run: () => sliceEvery(itemSizes, limits.maxBatchItems) },
      bigmap: { name: 'dispatch splitIntoRequests', run: () => splitIntoRequests(itemSizes, (size) => size, limits) },
      check() {
        const requests = splitIntoRequests(itemSizes, (size) => size, limits);
        deepStrictEqual(requests.flat(), itemSizes);
        for (const r of requests) {
          if (r.length > limits.maxBatchItems || r.reduce((a, b) => a + b, 0) > limits.maxBatchBytes) throw new Error('splitIntoRequests broke a cap');
        }
      },
    },
  ];
}
