/**
 * The process crash.test.ts kills: a replica on a state directory, appending to a Journal
 * canister as fast as it can.
 *
 * Prints, one per line: `ready <length> <consistent>` once restored (the journal's
 * length and whether heap and stable memory agree), `ack <length>` after each answered append, and
 * `durable <length>` once a checkpoint requested after that many answers is on disk.
 *
 * Usage: node crash-child.ts <stateDir> <interval|every-update>
 */
import { IDL } from '@dfinity/candid';
import { Replica } from '../../replica.ts';
import { NO_ARGS, decode, encode, testCanister } from '../../test/helpers.ts';

const [stateDir, durability] = process.argv.slice(2) as [string, 'interval' | 'every-update'];
const replica = await Replica.create({ stateDir, durability, checkpointIntervalMs: 50 });
const journal = replica.canisterIds()[0] ?? (await replica.setupCanister({ wasm: testCanister('Journal') }));
// Messages queued when the checkpoint was taken were restored with it: they run first.
while (replica.hasPendingWork) await replica.tick();
const [length, consistent] = decode([IDL.Nat, IDL.Bool, IDL.Nat], await replica.queryCall(journal, 'check', NO_ARGS)) as [bigint, boolean];
process.stdout.write(`ready ${length} ${consistent}\n`);

for (let n = Number(length); ; n++) {
  await replica.updateCall(journal, 'append', encode([IDL.Nat, IDL.Vec(IDL.Nat8)], [n, new Uint8Array(512).fill(n % 256)]));
  process.stdout.write(`ack ${n + 1}\n`);
  if ((n + 1) % 20 === 0) {
    const acked = n + 1;
    replica.checkpoint().then(() => process.stdout.write(`durable ${acked}\n`), () => {});
  }
}
