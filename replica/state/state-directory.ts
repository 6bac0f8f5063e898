/**
 * The replica's state directory: checkpoints that survive a kill -9 at any moment.
 *
 * ```
 * <dir>/LOCK                     pid of the process using the directory
 * <dir>/MANIFEST.json            { checksum, body } — the one file that says what is current
 * <dir>/snapshot-<seq>.json      replica and canister state without memory (canister-snapshot.ts)
 * <dir>/pages/<canister>-<seq>.pages   memory pages (page-file.ts): a full file, then changes
 * <dir>/modules/<sha256>.wasm    installed modules, once each
 * ```
 *
 * A checkpoint writes every new file under a temporary name, fsyncs it and renames it into
 * place, fsyncs the directories, and only then replaces the manifest the same way. A crash
 * before the manifest's rename leaves the previous manifest, which names only complete
 * files; the next open deletes the files it does not name. Every file's SHA-256 is in the
 * manifest, and the manifest carries the SHA-256 of its own body, so damage is found
 * before anything is loaded.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readPageFile, writePageFile, type Pages } from './page-file.ts';

export const STATE_FORMAT = 'bigmap-replica/1';
const MANIFEST = 'MANIFEST.json';
const LOCK = 'LOCK';
/** Names this module writes; a directory holding anything else is not a replica state directory. */
const OWN_NAME = /^(LOCK|MANIFEST\.json|snapshot-\d+\.json|pages|modules|.*\.tmp)$/;

export interface PageFileEntry {
  file: string;
  sha256: string;
  bytes: number;
}

export interface ManifestBody {
  format: typeof STATE_FORMAT;
  sequence: number;
  writtenAt: string;
  snapshot: { file: string; sha256: string };
  /** Module files by the SHA-256 of their content. */
  modules: string[];
  /** Per canister (text id): its page files, oldest first; the first is a full one. */
  pages: Record<string, PageFileEntry[]>;
}

/** What one checkpoint writes. */
export interface CheckpointData {
  /** The snapshot, already serialized (capture is synchronous, writing is not). */
  snapshot: string;
  /** The modules of installed code, by SHA-256 (written when the directory lacks them). */
  modules: Map<string, Uint8Array>;
  /** Canisters that exist, by text id, with the pages to write: full, changes, or none. */
  canisters: Map<string, { full: boolean; pages: Pages } | undefined>;
}

/** The directory is not a usable replica state directory; nothing was loaded. */
export class StateDirectoryError extends Error {
  override name = 'StateDirectoryError';
}

export class StateDirectory {
  readonly path: string;
  #manifest: ManifestBody | undefined;
  #closed = false;

  private constructor(path: string, manifest: ManifestBody | undefined) {
    this.path = path;
    this.#manifest = manifest;
  }

  /**
   * Opens (creating it when absent) and locks a state directory, and checks its manifest.
   * @throws StateDirectoryError when another live process holds it, or it holds something
   *   else, or its manifest is damaged or of another format
   */
  static async open(path: string): Promise<StateDirectory> {
    await mkdir(path, { recursive: true, mode: 0o700 });
    const entries = await readdir(path);
    await takeLock(path);
    try {
      let manifest: ManifestBody | undefined;
      if (entries.includes(MANIFEST)) manifest = parseManifest(path, await readFile(join(path, MANIFEST), 'utf8'));
      else {
        const foreign = entries.filter((name) => !OWN_NAME.test(name));
        if (foreign.length > 0) {
          throw new StateDirectoryError(
            `${path} is not empty and holds no replica state (no ${MANIFEST}; found ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}). ` +
              'Refusing to use it: give an empty or new directory.',
          );
        }
      }
      await mkdir(join(path, 'pages'), { recursive: true });
      await mkdir(join(path, 'modules'), { recursive: true });
      const directory = new StateDirectory(path, manifest);
      await directory.#collectGarbage();
      return directory;
    } catch (e) {
      await rm(join(path, LOCK), { force: true });
      throw e;
    }
  }

  /** Whether the directory holds a checkpoint to restore. */
  get hasCheckpoint(): boolean {
    return this.#manifest !== undefined;
  }

  /** The current checkpoint's page files of a canister (for compaction decisions). */
  pageFiles(canister: string): readonly PageFileEntry[] {
    return this.#manifest?.pages[canister] ?? [];
  }

  /** The snapshot text of the current checkpoint, checked against the manifest. */
  async readSnapshot(): Promise<string> {
    const m = this.#requireManifest();
    const bytes = await this.#readChecked(m.snapshot.file, m.snapshot.sha256);
    return new TextDecoder().decode(bytes);
  }

  /** A stored module, checked against its name. */
  async readModule(sha256: string): Promise<Uint8Array> {
    if (!this.#requireManifest().modules.includes(sha256)) throw this.#corrupt(`the snapshot uses module ${sha256}, which the manifest does not list`);
    return this.#readChecked(join('modules', `${sha256}.wasm`), sha256);
  }

  /** Replays a canister's page files, oldest first, into `onPage`. */
  async readPages(canister: string, onPage: (space: 'memory' | 'stable', page: number, data: Uint8Array) => void): Promise<void> {
    for (const entry of this.#requireManifest().pages[canister] ?? []) {
      const file = await this.#openExisting(join('pages', entry.file));
      try {
        await readPageFile(file, entry.file, entry.sha256, onPage);
      } catch (e) {
        throw this.#corrupt((e as Error).message);
      } finally {
        await file.close();
      }
    }
  }

  /** Writes a checkpoint and makes it the current one. */
  async write(data: CheckpointData): Promise<void> {
    if (this.#closed) throw new Error(`The state directory ${this.path} is closed`);
    const previous = this.#manifest;
    const sequence = (previous?.sequence ?? 0) + 1;
    const stored = new Set(previous?.modules ?? []);
    for (const [sha256, wasm] of data.modules) {
      if (stored.has(sha256)) continue;
      await this.#writeAtomic(join('modules', `${sha256}.wasm`), async (file) => {
        await file.write(wasm);
      });
    }
    const pages: Record<string, PageFileEntry[]> = {};
    for (const [canister, captured] of data.canisters) {
      const chain = previous?.pages[canister] ?? [];
      if (!captured) {
        pages[canister] = chain;
        continue;
      }
      const name = `${canister}-${sequence}.pages`;
      let written = { sha256: '', bytes: 0 };
      await this.#writeAtomic(join('pages', name), async (file) => {
        written = await writePageFile(file, captured.pages);
      });
      pages[canister] = [...(captured.full ? [] : chain), { file: name, ...written }];
    }
    const snapshotFile = `snapshot-${sequence}.json`;
    const snapshotBytes = new TextEncoder().encode(data.snapshot);
    await this.#writeAtomic(snapshotFile, async (file) => {
      await file.write(snapshotBytes);
    });
    await syncDirectory(join(this.path, 'pages'));
    await syncDirectory(join(this.path, 'modules'));
    const body: ManifestBody = {
      format: STATE_FORMAT,
      sequence,
      writtenAt: new Date().toISOString(),
      snapshot: { file: snapshotFile, sha256: sha256Hex(snapshotBytes) },
      modules: [...data.modules.keys()],
      pages,
    };
    const bodyText = JSON.stringify(body);
    await this.#writeAtomic(MANIFEST, async (file) => {
      await file.write(JSON.stringify({ checksum: sha256Hex(new TextEncoder().encode(bodyText)), body }, null, 1));
    });
    await syncDirectory(this.path);
    this.#manifest = body;
    // Only the previous checkpoint's files can have become unused (temporaries left by a
    // crash are swept at open).
    const kept = referencedFiles(body);
    for (const relative of previous ? referencedFiles(previous) : []) if (!kept.has(relative)) await rm(join(this.path, relative), { force: true });
  }

  /** Releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await rm(join(this.path, LOCK), { force: true });
  }

  /** Deletes files the manifest does not name: temporaries and files of older checkpoints. */
  async #collectGarbage(): Promise<void> {
    const keep = new Set<string>([LOCK, MANIFEST, 'pages', 'modules', ...(this.#manifest ? referencedFiles(this.#manifest) : [])]);
    for (const sub of ['', 'pages', 'modules']) {
      for (const name of await readdir(join(this.path, sub))) {
        const relative = sub ? join(sub, name) : name;
        // In the top directory, leave alone what this module did not write.
        if (!keep.has(relative) && (sub || OWN_NAME.test(name))) await rm(join(this.path, relative), { force: true });
      }
    }
  }

  async #writeAtomic(relative: string, write: (file: FileHandle) => Promise<void>): Promise<void> {
    const target = join(this.path, relative);
    const temporary = `${target}.tmp`;
    const file = await open(temporary, 'w', 0o600);
    try {
      await write(file);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, target);
  }

  async #readChecked(relative: string, expected: string): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(this.path, relative)));
    } catch (e) {
      throw this.#corrupt(`${relative} cannot be read: ${(e as Error).message}`);
    }
    const actual = sha256Hex(bytes);
    if (actual !== expected) throw this.#corrupt(`${relative} does not match its checksum (SHA-256 ${actual}, the manifest says ${expected})`);
    return bytes;
  }

  async #openExisting(relative: string): Promise<FileHandle> {
    try {
      return await open(join(this.path, relative), 'r');
    } catch (e) {
      throw this.#corrupt(`${relative} cannot be read: ${(e as Error).message}`);
    }
  }

  #requireManifest(): ManifestBody {
    if (!this.#manifest) throw new Error(`${this.path} holds no checkpoint yet`);
    return this.#manifest;
  }

  #corrupt(detail: string): StateDirectoryError {
    return corrupt(this.path, detail);
  }
}

/** The files a manifest names, relative to the directory. */
function referencedFiles(m: ManifestBody): Set<string> {
  const files = new Set<string>([m.snapshot.file]);
  for (const sha of m.modules) files.add(join('modules', `${sha}.wasm`));
  for (const chain of Object.values(m.pages)) for (const entry of chain) files.add(join('pages', entry.file));
  return files;
}

function corrupt(path: string, detail: string): StateDirectoryError {
  return new StateDirectoryError(`The replica state in ${path} is damaged: ${detail}. Nothing was loaded; restore the directory from a backup, or start with an empty one.`);
}

function parseManifest(path: string, text: string): ManifestBody {
  let parsed: { checksum?: unknown; body?: ManifestBody };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (e) {
    throw corrupt(path, `${MANIFEST} is not valid JSON (${(e as Error).message})`);
  }
  const body = parsed.body;
  if (!body || typeof parsed.checksum !== 'string') throw corrupt(path, `${MANIFEST} lacks its checksum or body`);
  if (body.format !== STATE_FORMAT) {
    throw new StateDirectoryError(`${path} holds replica state of format ${JSON.stringify(body.format)}; this replica reads ${JSON.stringify(STATE_FORMAT)}. Refusing to load it.`);
  }
  const actual = sha256Hex(new TextEncoder().encode(JSON.stringify(body)));
  if (actual !== parsed.checksum) throw corrupt(path, `${MANIFEST} does not match its checksum`);
  return body;
}

/** Takes the directory's lock; a lock left by a process that no longer runs is taken over. */
async function takeLock(path: string): Promise<void> {
  const lock = join(path, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(lock, 'wx', 0o600);
      await file.write(String(process.pid));
      await file.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
      throw new StateDirectoryError(`${path} is in use by process ${pid}${pid === process.pid ? ' (this process)' : ''}; stop it first, or use another state directory.`);
    }
    await rm(lock, { force: true });
  }
  throw new StateDirectoryError(`Could not lock ${path}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
