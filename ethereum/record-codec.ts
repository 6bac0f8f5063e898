/**
 * A compact, lossless binary form for JSON-RPC objects (blocks, transactions, receipts,
 * logs), as RLP (viem's `toRlp`/`fromRlp`).
 *
 * A node's JSON answer spends most of its bytes on hex text and field names: a receipt is
 * about 1,566 B of JSON. Here each field the schema knows is written as the bytes its hex
 * stands for, in schema order, with no name; a bitmask says which fields are there. Fields
 * the schema does not know (a new hardfork's, a node's own) keep their name and JSON text,
 * so nothing a node sends is lost and decode(encode(x)) equals x field for field.
 *
 * Layout: `rlp([present, nulls, value…, extras])`
 *  - `present`: bit i set when schema entry i holds a field (big-endian bitmask);
 *  - `nulls`: bit i set when that field is JSON `null` (no value follows for it);
 *  - one value per present, non-null entry, in schema order;
 *  - `extras`: `[[name, json], …]` for fields no entry fits.
 *
 * A field may appear in a schema under several kinds (e.g. `blockTimestamp` as a hex
 * quantity, and as a JSON number as anvil writes it in receipts): the first kind that fits
 * the value wins. A value that fits no kind exactly (a quantity with leading zeros,
 * upper-case hex) goes to `extras`, so the round trip stays exact.
 */
import { bytesToHex, fromRlp, toRlp, type Hex } from 'viem';

/** A value in a JSON-RPC answer. */
export type RpcValue = string | number | boolean | null | RpcValue[] | RpcRecord;
/** An object in a JSON-RPC answer. */
export interface RpcRecord {
  [field: string]: RpcValue;
}

/**
 * How one field is stored:
 * - `quantity`: a hex QUANTITY (`0x1a`, no leading zeros) ⇄ its big-endian bytes (RLP's integers);
 * - `data`: hex DATA (`0x00ab`, even length, lower case) ⇄ its bytes;
 * - `integer`: a JSON number (a non-negative safe integer) ⇄ its big-endian bytes;
 * - `bool`: `true` ⇄ `0x01`, `false` ⇄ empty;
 * - `dataList`: an array of DATA;
 * - `{ list }`: an array of objects, each stored with the `list` schema.
 */
export type FieldKind = 'quantity' | 'data' | 'integer' | 'bool' | 'dataList' | { readonly list: RecordSchema };

/** The fields a record usually has, in storage order. Changing it changes stored bytes: append only. */
export type RecordSchema = readonly (readonly [name: string, kind: FieldKind])[];

type Rlp = Uint8Array | Rlp[];

const QUANTITY = /^0x(?:0|[1-9a-f][0-9a-f]*)$/;
const DATA = /^0x(?:[0-9a-f]{2})*$/;
const EMPTY = new Uint8Array();
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Encodes `record` with `schema`. */
export function encodeRecord(record: RpcRecord, schema: RecordSchema): Uint8Array {
  return toRlp(recordToRlp(record, schema), 'bytes');
}

/** Decodes what {@link encodeRecord} wrote with the same schema. */
export function decodeRecord(bytes: Uint8Array, schema: RecordSchema): RpcRecord {
  return rlpToRecord(fromRlp(bytes, 'bytes') as Rlp, schema);
}

function recordToRlp(record: RpcRecord, schema: RecordSchema): Rlp[] {
  let present = 0n;
  let nulls = 0n;
  const values: Rlp[] = [];
  const placed = new Set<string>();
  schema.forEach(([name, kind], i) => {
    if (placed.has(name) || !Object.hasOwn(record, name)) return;
    const value = record[name];
    if (value === null) {
      nulls |= 1n << BigInt(i);
    } else {
      const encoded = encodeValue(value, kind);
      if (encoded === undefined) return;
      values.push(encoded);
    }
    present |= 1n << BigInt(i);
    placed.add(name);
  });
  const extras: Rlp[] = Object.keys(record)
    .filter((name) => !placed.has(name))
    .map((name) => [utf8.encode(name), utf8.encode(JSON.stringify(record[name]))]);
  return [uintBytes(present), uintBytes(nulls), ...values, extras];
}

function rlpToRecord(items: Rlp, schema: RecordSchema): RpcRecord {
  if (!Array.isArray(items) || items.length < 3) throw new TypeError('Not an encoded record: expected an RLP list [present, nulls, …values, extras]');
  const present = bytesToUint(leaf(items[0]));
  const nulls = bytesToUint(leaf(items[1]));
  const record: RpcRecord = {};
  let next = 2;
  schema.forEach(([name, kind], i) => {
    const bit = 1n << BigInt(i);
    if ((present & bit) === 0n) return;
    record[name] = (nulls & bit) !== 0n ? null : decodeValue(items[next++], kind);
  });
  const extras = items[next];
  if (next !== items.length - 1 || !Array.isArray(extras)) throw new TypeError(`Not an encoded record: ${items.length - 3} values stored, the schema's bitmask names ${next - 2}`);
  for (const pair of extras) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('Not an encoded record: an extra field is not a [name, json] pair');
    record[fromUtf8.decode(leaf(pair[0]))] = JSON.parse(fromUtf8.decode(leaf(pair[1]))) as RpcValue;
  }
  return record;
}

/** The stored form of `value` as `kind`, or undefined when it does not fit exactly. */
function encodeValue(value: RpcValue, kind: FieldKind): Rlp | undefined {
  if (typeof kind === 'object') {
    if (!Array.isArray(value) || !value.every(isRecord)) return undefined;
    return value.map((item) => recordToRlp(item, kind.list));
  }
  switch (kind) {
    case 'quantity':
      return typeof value === 'string' && QUANTITY.test(value) ? (value === '0x0' ? EMPTY : hexToBytes(evenHex(value))) : undefined;
    case 'data':
      return typeof value === 'string' && DATA.test(value) ? hexToBytes(value) : undefined;
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? uintBytes(BigInt(value)) : undefined;
    case 'bool':
      return typeof value === 'boolean' ? (value ? Uint8Array.of(1) : EMPTY) : undefined;
    case 'dataList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' && DATA.test(v)) ? value.map((v) => hexToBytes(v as string)) : undefined;
  }
}

function decodeValue(item: Rlp, kind: FieldKind): RpcValue {
  if (typeof kind === 'object') return list(item).map((record) => rlpToRecord(record, kind.list));
  switch (kind) {
    case 'quantity': {
      const bytes = leaf(item);
      return bytes.length === 0 ? '0x0' : (`0x${bytesToUint(bytes).toString(16)}` as Hex);
    }
    case 'data':
      return bytesToHex(leaf(item));
    case 'integer':
      return Number(bytesToUint(leaf(item)));
    case 'bool':
      return leaf(item).length > 0;
    case 'dataList':
      return list(item).map((v) => bytesToHex(leaf(v)));
  }
}

/** Value of each hex digit's char code (viem's `hexToBytes` also validates, which `encodeValue` has done). */
const NIBBLES = new Uint8Array(128);
for (let i = 0; i < 16; i++) NIBBLES[i.toString(16).charCodeAt(0)] = i;

/** The bytes of lower-case, even-length hex. REQUIRES: `hex` matches {@link DATA}. */
function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array((hex.length - 2) >> 1);
  for (let i = 0, j = 2; i < out.length; i++, j += 2) out[i] = (NIBBLES[hex.charCodeAt(j)] << 4) | NIBBLES[hex.charCodeAt(j + 1)];
  return out;
}

function isRecord(value: RpcValue): value is RpcRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function evenHex(quantity: string): Hex {
  return (quantity.length % 2 === 0 ? quantity : `0x0${quantity.slice(2)}`) as Hex;
}

/** Minimal big-endian bytes (empty for 0), as RLP writes integers. */
function uintBytes(n: bigint): Uint8Array {
  return n === 0n ? EMPTY : hexToBytes(evenHex(`0x${n.toString(16)}`));
}

function bytesToUint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

function leaf(item: Rlp | undefined): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new TypeError('Not an encoded record: expected a byte string, found a list');
  return item;
}

function list(item: Rlp | undefined): Rlp[] {
  if (!Array.isArray(item)) throw new TypeError('Not an encoded record: expected a list, found a byte string');
  return item;
}
