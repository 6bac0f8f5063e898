/**
 * The process kill-during-migration.test.ts kills: a local BigMap on a state directory
 * (every update durable before it is answered).
 *
 *   node migrating-bigmap.ts <stateDir> load     writes keys until killed; prints
 *                                                `ack <from> <to>` per answered batch and
 *                                                `migrating <phase>` while a migration runs
 *   node migrating-bigmap.ts <stateDir> verify   restores, lets the migrations finish, prints
 *                                                one JSON line: { restored, keys, stored, active }
 */
import { BigMap, codecs } from '../../../client/index.ts';
import { indexIdlFactory, type IndexService } from '../../../client/idl/index.ts';

const [stateDir, mode] = process.argv.slice(2) as [string, 'load' | 'verify'];
const local = await BigMap.local({
  stateDir,
  // A small capacity splits early; small copy chunks make the copy phase long enough to hit.
  index: { capacityBytes: 60_000n, copyChunkBytes: 256, pollIntervalSeconds: 1 },
  replica: { durability: 'every-update', checkpointIntervalMs: 200 },
});
const items = local.bigmap.collection('kill', { value: codecs.text() });
const index = local.replica.createActor<IndexService>(indexIdlFactory, local.indexCanisterId);
const valueOf = (n: number) => `value-${n}-${'x'.repeat(300)}`;

if (mode === 'load') {
  const watch = setInterval(() => {
    void index.migrationStatus().then((s) => {
      const active = s.active[0];
      if (active) process.stdout.write(`migrating ${Object.keys(active.phase)[0]}\n`);
    });
  }, 20);
  watch.unref();
  for (let n = 0; ; n += 20) {
    await items.putMany(Array.from({ length: 20 }, (_, i) => [`k${n + i}`, valueOf(n + i)] as const));
    process.stdout.write(`ack ${n} ${n + 20}\n`);
  }
} else {
  await local.bigmap.waitForMigrations();
  const keys: Record<string, string> = {};
  for await (const [key, value] of items.entries()) keys[String(key)] = value;
  const stats = await local.bigmap.stats();
  const status = await index.migrationStatus();
  process.stdout.write(
    `${JSON.stringify({
      restored: local.restored,
      keys,
      stored: Number(stats.canisters.reduce((n, c) => n + c.keys, 0n)),
      canisters: stats.canisters.length,
      finished: status.history.length,
      active: status.active.length + status.queued.length,
    })}\n`,
  );
  await local.close();
}
