/**
 * Runs `vectors.json` through the Motoko modules in `canisters/lib/` with the `motoko`
 * package's interpreter, until the embedded replica can run `canisters/test/ShardingVectors.mo`.
 *
 * How: this file turns the vectors into one Motoko program that calls the modules and prints
 * one line per vector; it renders the expected line for each vector from the JSON in the
 * same format; a caller compares the two lists (so a mismatch is a diff naming the vector).
 *
 * The interpreter is slow (about 0.1 ms per loop iteration, seconds per full scan of the
 * 65,536-slot table) and recursive, so it runs on a worker thread with a large stack.
 *
 *     node_modules/.bin/node sharding/check-motoko-vectors.ts     # exit code 1 on a mismatch
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { toHex } from './bytes.ts';
import { expandSpans, type Outcome, type ShardingVectors, type SlotBytesJson, type SlotSpans } from './vectors.ts';

const LIB_DIR = new URL('../canisters/lib/', import.meta.url);
const VECTORS_URL = new URL('./vectors.json', import.meta.url);
const WORKER_STACK_MB = 256;

export interface MotokoVectorRun {
  /** One line per vector, rendered from `vectors.json`. */
  expected: string[];
  /** One line per vector, printed by the Motoko program. */
  actual: string[];
  /** The interpreter's diagnostics and trap messages, if any. */
  stderr: string;
  elapsedMs: number;
}

export function loadVectors(): ShardingVectors {
  return JSON.parse(readFileSync(VECTORS_URL, 'utf8')) as ShardingVectors;
}

/** Runs the vectors through the Motoko modules on a worker thread. */
export function runMotokoVectors(vectors: ShardingVectors = loadVectors()): Promise<MotokoVectorRun> {
  const request: WorkerRequest = { program: checkProgram(vectors), libraries: librarySources() };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: request, resourceLimits: { stackSizeMb: WORKER_STACK_MB } });
    worker.once('message', (reply: WorkerReply) => {
      // The interpreter ends its output with the program's value, `() : ()`.
      const actual = reply.stdout.split('\n').filter((line) => line !== '' && line !== '() : ()');
      resolve({ expected: expectedLines(vectors), actual, stderr: reply.stderr, elapsedMs: performance.now() - started });
    });
    worker.once('error', reject);
    // After a reply this rejection is a no-op; without one it reports the crash.
    worker.once('exit', (code) => reject(new Error(`the Motoko interpreter worker exited with code ${code} before replying`)));
  });
}

/** The line the Motoko program must print for each vector, in order. */
export function expectedLines(v: ShardingVectors): string[] {
  return [
    ...v.xxh64.map((x, i) => `xxh64 ${i} ${x.hash}`),
    ...v.slotOf.map((x, i) => `slotOf ${i} ${renderOutcome(x.result, String)}`),
    ...v.encodeKey.map((x, i) => `encodeKey ${i} ${renderOutcome(x.result, (key) => key)}`),
    ...v.decodeKey.map(
      (x, i) =>
        `decodeKey ${i} ${renderOutcome(x.result, (k) => `slot=${k.slot} collection=${toHex(new TextEncoder().encode(k.collection))} partition=${k.partition} sort=${k.sort}`)}`,
    ),
    ...v.partitionRange.map((x, i) => `partitionRange ${i} ${renderOutcome(x.result, (r) => `${r.start} ${r.end}`)}`),
    ...v.slotRange.map((x, i) => `slotRange ${i} ${x.start} ${x.end}`),
    ...v.planSplit.map(
      (x, i) =>
        `planSplit ${i} ${x.plan.kind === 'move' ? `move slots=${x.plan.slots.join(',')} moved=${x.plan.movedBytes} kept=${x.plan.keptBytes}` : `unsplittable ${x.plan.reason}`}`,
    ),
    ...v.planRebalance.map((x, i) => `planRebalance ${i} moves=${x.moves.map((m) => `${m.from}>${m.to}[${m.slots.join(',')}]${m.bytes}`).join(';')}`),
    ...v.slotTable.map(
      (x, i) =>
        `slotTable ${i} ${renderOutcome(x.result, (t) => `version=${t.version} ranges=${t.ranges.map((r) => `${r.start}-${r.end}:${r.owner}${r.migratingTo === undefined ? '' : `>${r.migratingTo}`}`).join(';')}`)}`,
    ),
  ];
}

function renderOutcome<T>(outcome: Outcome<T>, render: (value: T) => string): string {
  return 'ok' in outcome ? `ok ${render(outcome.ok)}` : `err ${outcome.error}`;
}

/** A Motoko program that prints, for each vector, the line {@link expectedLines} expects. */
export function checkProgram(v: ShardingVectors): string {
  const lines = [
    ...v.xxh64.map((x, i) => `out("xxh64 ${i} " # Nat64.toText(XxHash64.hash(${blob(x.input)}, ${x.seed})));`),
    ...v.slotOf.map((x, i) => `out("slotOf ${i} " # outcome<Nat16>(Key.slotOf(${text(x.collection)}, ${blob(x.partition)}), Nat16.toText));`),
    ...v.encodeKey.map(
      (x, i) => `out("encodeKey ${i} " # outcome<Blob>(Key.encodeKey(${text(x.collection)}, ${blob(x.partition)}, ${blob(x.sort)}), hex));`,
    ),
    ...v.decodeKey.map((x, i) => `out("decodeKey ${i} " # outcome<Key.Key>(Key.decodeKey(${blob(x.key)}), showKey));`),
    ...v.partitionRange.map(
      (x, i) =>
        `out("partitionRange ${i} " # outcome<Key.KeyRange>(Key.partitionRange(${text(x.collection)}, ${blob(x.partition)}, ${optionalBlob(x.from)}, ${optionalBlob(x.to)}), showRange));`,
    ),
    ...v.slotRange.map((x, i) => `out("slotRange ${i} " # showRange(Key.slotRange(${x.slot})));`),
    ...v.planSplit.map((x, i) => `out("planSplit ${i} " # showSplit(Planner.planSplit(${slotBytes(x.slots)})));`),
    ...v.planRebalance.map(
      (x, i) =>
        `out("planRebalance ${i} moves=" # showMoves(Planner.planRebalance<Text>([${x.canisters.map((c) => `{ canister = ${motokoText(c.canister)}; slots = ${slotBytes(c.slots)} }`).join(', ')}], ${x.tolerancePpm})));`,
    ),
    ...v.slotTable.map(
      (x, i) =>
        `out("slotTable ${i} " # replay(${principal(x.first)}, [${x.operations.map((o) => `#${o.op}(${slots(o.slots)}, ${principal(o.canister)})`).join(', ')}]));`,
    ),
  ];
  return `${CHECK_PRELUDE}\n${lines.join('\n')}\n`;
}

/** Imports and the helpers that render Motoko values in the format of {@link expectedLines}. */
const CHECK_PRELUDE = `
import Array "mo:core/Array";
import Debug "mo:core/Debug";
import Nat8 "mo:core/Nat8";
import Nat16 "mo:core/Nat16";
import Nat64 "mo:core/Nat64";
import Principal "mo:core/Principal";
import Result "mo:core/Result";
import Runtime "mo:core/Runtime";
import Text "mo:core/Text";
import Key "lib/Key";
import Planner "lib/Planner";
import SlotTable "lib/SlotTable";
import XxHash64 "lib/XxHash64";

func out(line : Text) = Debug.print(line);

let hexDigits : [Char] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'];
func hex(bytes : Blob) : Text {
  var result = "";
  for (byte in bytes.values()) {
    let n = Nat8.toNat(byte);
    result #= Text.fromChar(hexDigits[n / 16]) # Text.fromChar(hexDigits[n % 16]);
  };
  result;
};

func utf8(bytes : Blob) : Text {
  let ?decoded = Text.decodeUtf8(bytes) else Runtime.trap("a test collection is not UTF-8");
  decoded;
};

func csv(slots : [Nat16]) : Text = Text.join(Array.map<Nat16, Text>(slots, Nat16.toText).values(), ",");

func outcome<T>(result : Result.Result<T, Text>, show : T -> Text) : Text {
  switch result { case (#ok(value)) "ok " # show(value); case (#err(message)) "err " # message };
};

func showKey(key : Key.Key) : Text {
  "slot=" # Nat16.toText(key.slot) # " collection=" # hex(Text.encodeUtf8(key.collection)) # " partition=" # hex(key.partition) # " sort=" # hex(key.sort);
};

func showRange(range : Key.KeyRange) : Text = hex(range.start) # " " # hex(range.end);

func showSplit(plan : Planner.SplitPlan) : Text {
  switch plan {
    case (#move(m)) "move slots=" # csv(m.slots) # " moved=" # Nat64.toText(m.movedBytes) # " kept=" # Nat64.toText(m.keptBytes);
    case (#unsplittable(#noData)) "unsplittable noData";
    case (#unsplittable(#oneSlotHoldsAllData)) "unsplittable oneSlotHoldsAllData";
  };
};

func showMoves(moves : [Planner.Move<Text>]) : Text {
  Text.join(Array.map<Planner.Move<Text>, Text>(moves, func m = m.from # ">" # m.to # "[" # csv(m.slots) # "]" # Nat64.toText(m.bytes)).values(), ";");
};

func showSlotRange(range : SlotTable.SlotRange) : Text {
  let target = switch (range.migratingTo) { case null ""; case (?to) ">" # Principal.toText(to) };
  Nat16.toText(range.start) # "-" # Nat16.toText(range.end) # ":" # Principal.toText(range.owner) # target;
};

type Operation = {
  #assign : ([Nat16], Principal);
  #beginMigration : ([Nat16], Principal);
  #commitMigration : ([Nat16], Principal);
};

func replay(first : Principal, operations : [Operation]) : Text {
  let table = SlotTable.new(first);
  for (operation in operations.values()) {
    let result = switch operation {
      case (#assign(slots, owner)) SlotTable.assign(table, slots, owner);
      case (#beginMigration(slots, to)) SlotTable.beginMigration(table, slots, to);
      case (#commitMigration(slots, to)) SlotTable.commitMigration(table, slots, to);
    };
    switch result { case (#err(message)) return "err " # message; case (#ok) {} };
  };
  "ok version=" # Nat64.toText(table.version) # " ranges=" # Text.join(Array.map<SlotTable.SlotRange, Text>(SlotTable.toRanges(table), showSlotRange).values(), ";");
};
`;

// Private: Motoko literals.

/** A blob literal: each byte as a backslash and two hex digits. */
function blob(bytesHex: string): string {
  return `("${bytesHex.replace(/(..)/g, '\\$1')}" : Blob)`;
}

function optionalBlob(bytesHex: string | undefined): string {
  return bytesHex === undefined ? 'null' : `?${blob(bytesHex)}`;
}

/** A collection name; passed as UTF-8 bytes so that no character needs escaping. */
function text(value: string): string {
  return `utf8(${blob(toHex(new TextEncoder().encode(value)))})`;
}

/** A printable-ASCII text literal (principals, canister names). */
function motokoText(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new TypeError(`Expected printable ASCII, got ${JSON.stringify(value)}`);
  return JSON.stringify(value);
}

function principal(value: string): string {
  return `Principal.fromText(${motokoText(value)})`;
}

function slotBytes(entries: readonly SlotBytesJson[]): string {
  return `[${entries.map((s) => `{ slot = ${s.slot} : Nat16; bytes = ${s.bytes} : Nat64 }`).join(', ')}]`;
}

function slots(spans: SlotSpans): string {
  const all = expandSpans(spans);
  return spans.length === 1 && all.length > 16
    ? `Array.tabulate<Nat16>(${all.length}, func i = Nat16.fromNat(${spans[0][0]} + i))`
    : `[${all.map((slot) => `${slot} : Nat16`).join(', ')}]`;
}

function librarySources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const file of readdirSync(LIB_DIR)) if (file.endsWith('.mo')) sources[`lib/${file}`] = readFileSync(new URL(file, LIB_DIR), 'utf8');
  return sources;
}

// Private: the worker thread, and the command line.

interface WorkerRequest {
  program: string;
  libraries: Record<string, string>;
}

interface WorkerReply {
  stdout: string;
  stderr: string;
}

interface MotokoInterpreter {
  loadPackage(pkg: unknown): void;
  write(path: string, content: string): void;
  run(path: string): { stdout: string; stderr: string };
}

function interpret(request: WorkerRequest): WorkerReply {
  const require = createRequire(import.meta.url);
  const mo = require('motoko') as MotokoInterpreter;
  mo.loadPackage(require('motoko/packages/latest/core.json'));
  for (const [path, source] of Object.entries(request.libraries)) mo.write(path, source);
  mo.write('check.mo', request.program);
  const { stdout, stderr } = mo.run('check.mo');
  return { stdout, stderr };
}

if (!isMainThread && parentPort !== null) {
  parentPort.postMessage(interpret(workerData as WorkerRequest));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const run = await runMotokoVectors();
  const mismatches = run.expected.flatMap((line, i) => (run.actual[i] === line ? [] : [`- ${line}\n+ ${run.actual[i] ?? '(missing)'}`]));
  if (run.stderr !== '') console.error(run.stderr);
  console.log(`${run.expected.length} vectors, ${mismatches.length} mismatches, ${Math.round(run.elapsedMs)} ms`);
  for (const mismatch of mismatches) console.log(mismatch);
  process.exitCode = mismatches.length === 0 && run.actual.length === run.expected.length ? 0 : 1;
}
