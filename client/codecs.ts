/**
 * Codecs turn a collection's values into bytes and back. BigMap stores bytes; a codec
 * gives them a type.
 *
 * @example
 * const users = bm.collection('users', { value: codecs.json<User>() });
 */
import { IDL } from '@dfinity/candid';
import { decode as cborDecode, encode as cborEncode, type CborValue } from '@dfinity/cbor';

export interface Codec<T> {
  /** Shown in errors. */
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Raw bytes, unchanged. */
export function bytes(): Codec<Uint8Array> {
  return { name: 'bytes', encode: (v) => v, decode: (b) => b };
}

/** UTF-8 text. */
export function text(): Codec<string> {
  return {
    name: 'text',
    encode: (v) => {
      // TextEncoder would store U+FFFD for a lone surrogate: the value read back would differ.
      if (/\p{Cs}/u.test(v)) throw new TypeError('The text codec stores valid Unicode only: the value has a lone UTF-16 surrogate (use codecs.json or codecs.bytes)');
      return utf8.encode(v);
    },
    decode: (b) => fromUtf8.decode(b),
  };
}

/** JSON, as `JSON.stringify` writes it (no bigint, no Uint8Array). */
export function json<T>(): Codec<T> {
  return { name: 'json', encode: (v) => utf8.encode(JSON.stringify(v)), decode: (b) => JSON.parse(fromUtf8.decode(b)) as T };
}

/**
 * CBOR (RFC 8949) with the codec @dfinity/agent uses: compact, keeps byte strings; a
 * bigint that fits 64 bits decodes as a number when it is small enough for one.
 */
export function cbor<T>(): Codec<T> {
  return { name: 'cbor', encode: (v) => cborEncode(v as CborValue), decode: (b) => cborDecode(b) as T };
}

/** Candid, with the given type (what canisters on the IC read natively). */
export function candid<T>(type: IDL.Type<T>): Codec<T> {
  return {
    name: `candid ${type.display()}`,
    encode: (v) => new Uint8Array(IDL.encode([type], [v])),
    // A copy: @dfinity/candid reads a view from the start of its buffer, ignoring its offset.
    decode: (b) => IDL.decode([type], b.slice())[0] as T,
  };
}

export const codecs = { bytes, text, json, cbor, candid };
