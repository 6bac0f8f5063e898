import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';
import { codecs } from './codecs.ts';

describe('codecs', () => {
  it('round-trip their values', () => {
    const cases: Array<[{ encode(v: never): Uint8Array; decode(b: Uint8Array): unknown }, unknown]> = [
      [codecs.bytes(), new Uint8Array([0, 1, 255])],
      [codecs.text(), 'héllo ✓'],
      [codecs.json(), { a: [1, 'two', null], b: { c: true } }],
      [codecs.cbor(), { id: 7, data: new Uint8Array([1, 2]), tags: ['x'] }],
      [codecs.candid(IDL.Record({ n: IDL.Nat, s: IDL.Text })), { n: 42n, s: 'x' }],
    ];
    for (const [codec, value] of cases) expect(codec.decode(codec.encode(value as never))).toEqual(value);
  });

  it('refuses bytes that are not UTF-8 as text', () => {
    expect(() => codecs.text().decode(new Uint8Array([0xff, 0xfe]))).toThrow();
  });
});
