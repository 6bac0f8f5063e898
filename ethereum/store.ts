/**
 * One chain's collections in a BigMap, and its import progress record in `eth:meta`.
 * Values are bytes here; schema.ts encodes and decodes them.
 */
import { codecs, type BigMap, type Collection } from '../client/index.ts';
import { ImportWriteError } from './errors.ts';
import type { Rows } from './rows.ts';
import { META_COLLECTION, chainCollections, progressKey, type ChainCollections, type ImportProgressRecord } from './schema.ts';

export class ChainStore {
  readonly chainId: number;
  readonly #bigmap: BigMap;
  readonly #names: ChainCollections;

  constructor(bigmap: BigMap, chainId: number) {
    this.#bigmap = bigmap;
    this.chainId = chainId;
    this.#names = chainCollections(chainId);
  }

  /** One of the chain's collections, with keys and values as bytes. */
  collection(name: keyof ChainCollections): Collection<Uint8Array, 'bytes'> {
    return this.#bigmap.collection(this.#names[name], { value: codecs.bytes(), keys: 'bytes' });
  }

  /** What this BigMap holds of the chain, or undefined if nothing. */
  progress(): Promise<ImportProgressRecord | undefined> {
    return progressCollection(this.#bigmap).get(progressKey(this.chainId));
  }

  /** Records that blocks up to `record.lastBlock` are stored. REQUIRES: they are. */
  async saveProgress(record: ImportProgressRecord): Promise<void> {
    await progressCollection(this.#bigmap).put(progressKey(this.chainId), record);
  }

  /**
   * Stores `rows` (every collection's batch in parallel; the client splits them into
   * requests within the message limits).
   * @throws ImportWriteError naming how many items failed, with the first failure as cause
   */
  async write(rows: Rows, label: string): Promise<void> {
    const results = await Promise.all(
      (Object.keys(rows) as Array<keyof Rows>).map((name) => this.collection(name).putMany(rows[name].map((row) => [row.key, row.value] as const))),
    );
    const failures = results.flat().flatMap((r) => (r.ok ? [] : [r.error]));
    if (failures.length > 0) {
      throw new ImportWriteError(`Storing ${label} in BigMap failed for ${failures.length} item(s).`, {
        metaMessages: ['Nothing after the last complete batch is recorded as imported: run the import again to resume.'],
        details: failures[0].shortMessage,
        cause: failures[0],
      });
    }
  }
}

/** Every chain's progress record, in `eth:meta`. */
function progressCollection(bigmap: BigMap): Collection<ImportProgressRecord> {
  return bigmap.collection(META_COLLECTION, { value: codecs.cbor<ImportProgressRecord>() });
}

/** The progress records of every chain this BigMap holds, by chain id. */
export async function importedChains(bigmap: BigMap): Promise<ImportProgressRecord[]> {
  const chains: ImportProgressRecord[] = [];
  for await (const [, record] of progressCollection(bigmap).entries()) chains.push(record);
  return chains.sort((a, b) => a.chainId - b.chainId);
}
