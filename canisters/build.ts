/**
 * Compiles Motoko canisters to wasm and Candid with the `motoko` npm package (its
 * bundled compiler and `mo:core` library, no network), cached by a hash of the sources.
 *
 * The cache lives in `.cache/canisters/` at the repository root. Its key covers the
 * compiler version and every `.mo` file under the source root, so a test run, a
 * benchmark and `bigmap start` compile each canister once and share the result.
 *
 * Run directly (`node canisters/build.ts`) to build BigMap's canisters and print where
 * they went.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CACHE_DIR = join(REPO_ROOT, '.cache', 'canisters');

/** BigMap's own canisters: name → main file, relative to `canisters/`. */
export const BIGMAP_CANISTERS = {
  index: 'index/main.mo',
  data: 'data/Data.mo',
} as const;
export type BigMapCanisterName = keyof typeof BIGMAP_CANISTERS;

export interface CompiledCanister {
  /** The compiled module (wasm64, enhanced orthogonal persistence). */
  wasm: Uint8Array;
  /** The Candid service description. */
  candid: string;
  wasmPath: string;
  didPath: string;
  /** Hex SHA-256 of the inputs; part of the cached file names. */
  sourceHash: string;
}

export interface CompileOptions {
  /** Directory whose `.mo` files are loaded (and hashed); imports resolve inside it. Default: `canisters/`. */
  sourceRoot?: string;
  /** Where compiled files are cached. Default: `.cache/canisters/` in the repository. */
  cacheDir?: string;
}

/** A Motoko compile error, with the file, line and compiler message of each diagnostic. */
export class MotokoCompileError extends Error {
  override name = 'MotokoCompileError';
  readonly diagnostics: readonly string[];
  constructor(mainFile: string, diagnostics: string[]) {
    super(`Motoko compilation of ${mainFile} failed:\n${diagnostics.join('\n')}`);
    this.diagnostics = diagnostics;
  }
}

interface MotokoDiagnostic {
  source: string;
  severity: number;
  range: { start: { line: number; character: number } };
  code?: string;
  message: string;
}

interface MotokoApi {
  version: string;
  setPublicMetadata(names: string[]): void;
  write(path: string, content: string): void;
  loadPackage(pkg: unknown): void;
  check(path: string): MotokoDiagnostic[];
  wasm(path: string, mode: 'ic' | 'wasi'): { wasm: Uint8Array; candid: string };
}

const PUBLIC_METADATA = ['candid:service'];
let motoko: MotokoApi | undefined;
function loadMotoko(): MotokoApi {
  if (!motoko) {
    motoko = require('motoko') as MotokoApi;
    motoko.loadPackage(require('motoko/packages/latest/core.json'));
    // As dfx does: anyone may read a canister's Candid interface.
    motoko.setPublicMetadata(PUBLIC_METADATA);
  }
  return motoko;
}

function motokoFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.mo')) out.push(full);
    }
  };
  walk(root);
  return out;
}

/**
 * Compiles `mainFile` (a path under `sourceRoot`) to wasm and Candid, or returns the
 * cached result for identical sources.
 * @throws MotokoCompileError with file:line: message for each error.
 */
export function compileMotoko(mainFile: string, options: CompileOptions = {}): CompiledCanister {
  const sourceRoot = resolve(options.sourceRoot ?? join(REPO_ROOT, 'canisters'));
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const main = resolve(sourceRoot, mainFile);
  const files = motokoFiles(sourceRoot);
  const mainRel = relative(sourceRoot, main).split(sep).join('/');

  const hash = createHash('sha256');
  const motokoVersion = (require('motoko/package.json') as { version: string }).version;
  hash.update(`motoko ${motokoVersion}\0public ${PUBLIC_METADATA.join(',')}\0main ${mainRel}\0`);
  const sources = files.map((f) => {
    const rel = relative(sourceRoot, f).split(sep).join('/');
    const text = readFileSync(f, 'utf8');
    hash.update(`${rel}\0${text}\0`);
    return { rel, text };
  });
  const sourceHash = hash.digest('hex');
  const base = join(cacheDir, `${mainRel.replace(/\//g, '_').replace(/\.mo$/, '')}-${sourceHash.slice(0, 16)}`);
  const wasmPath = `${base}.wasm`;
  const didPath = `${base}.did`;
  if (existsSync(wasmPath) && existsSync(didPath)) {
    return { wasm: new Uint8Array(readFileSync(wasmPath)), candid: readFileSync(didPath, 'utf8'), wasmPath, didPath, sourceHash };
  }

  const mo = loadMotoko();
  // A fresh directory per compile: the virtual file system is global to the compiler.
  const vroot = `build-${sourceHash.slice(0, 16)}`;
  for (const s of sources) mo.write(`${vroot}/${s.rel}`, s.text);
  const errors = mo
    .check(`${vroot}/${mainRel}`)
    .filter((d) => d.severity === 1)
    .map((d) => `${join(sourceRoot, d.source.slice(vroot.length + 1))}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.code ? `${d.code} ` : ''}${d.message}`);
  if (errors.length > 0) throw new MotokoCompileError(main, errors);
  let out: { wasm: Uint8Array; candid: string };
  try {
    out = mo.wasm(`${vroot}/${mainRel}`, 'ic');
  } catch (e) {
    throw new MotokoCompileError(main, [`${main}: ${(e as Error).message}`]);
  }

  mkdirSync(cacheDir, { recursive: true });
  // Write then rename: concurrent test workers may compile the same canister.
  const tmp = `${base}.${process.pid}.tmp`;
  writeFileSync(`${tmp}.wasm`, out.wasm);
  writeFileSync(`${tmp}.did`, out.candid);
  renameSync(`${tmp}.did`, didPath);
  renameSync(`${tmp}.wasm`, wasmPath);
  return { wasm: new Uint8Array(out.wasm), candid: out.candid, wasmPath, didPath, sourceHash };
}

/** Compiles one of BigMap's canisters (see {@link BIGMAP_CANISTERS}). */
export function compileBigMapCanister(name: BigMapCanisterName, options: Omit<CompileOptions, 'sourceRoot'> = {}): CompiledCanister {
  return compileMotoko(BIGMAP_CANISTERS[name], options);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(BIGMAP_CANISTERS) as BigMapCanisterName[]) {
    if (!existsSync(join(REPO_ROOT, 'canisters', BIGMAP_CANISTERS[name]))) continue;
    const t0 = performance.now();
    const c = compileBigMapCanister(name);
    console.log(`${name}: ${relative(process.cwd(), c.wasmPath)} (${c.wasm.length} bytes, ${Math.round(performance.now() - t0)} ms)`);
  }
}
