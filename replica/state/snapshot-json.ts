/**
 * JSON for replica snapshots: bigints, byte arrays and principals, which JSON lacks, are
 * tagged objects (`{ "$big": "…" }`, `{ "$bytes": "<base64>" }`, `{ "$principal": "…" }`),
 * so the snapshot keeps its natural types in memory.
 */
import { Principal } from '@dfinity/principal';

export function toSnapshotJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // `this[key]` is the value before its toJSON (Buffer and Principal have one) ran.
    const original = this[key];
    if (typeof original === 'bigint') return { $big: original.toString() };
    if (original instanceof Uint8Array) return { $bytes: Buffer.from(original.buffer, original.byteOffset, original.length).toString('base64') };
    if (Principal.isPrincipal(original)) return { $principal: original.toText() };
    return v;
  });
}

export function fromSnapshotJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$big === 'string') return BigInt(o.$big);
      if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
      if (typeof o.$principal === 'string') return Principal.fromText(o.$principal);
    }
    return v;
  }) as T;
}
