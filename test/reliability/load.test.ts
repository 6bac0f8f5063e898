/**
 * Load: many clients at once, each with its own identity and its own HTTP agent, against
 * one local BigMap served on 127.0.0.1, for a bounded time while its canisters split.
 * Reports throughput and errors; then every client's acknowledged writes read back.
 *
 * LOAD_SECONDS (default 8) and LOAD_CLIENTS (default 8) make it a soak (see the README).
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { describe, expect, it } from 'vitest';
import { BigMap, codecs } from '../../client/index.ts';
import { listen } from '../../replica/index.ts';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 8);
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 8);
/** Operations each client keeps in flight. */
const IN_FLIGHT = 4;
const KEYS_PER_CLIENT = 200;

interface ClientReport {
  puts: number;
  deletes: number;
  gets: number;
  errors: string[];
}

describe('load', () => {
  it(`${CLIENTS} clients for ${SECONDS} s: every acknowledged write is there, and reads agree`, { timeout: SECONDS * 1000 + 180_000 }, async () => {
    const local = await BigMap.local({ index: { capacityBytes: 30_000n, copyChunkBytes: 4_096, pollIntervalSeconds: 1 } });
    const server = await listen(local.replica, { port: 0 });
    try {
      const identities = Array.from({ length: CLIENTS }, () => Ed25519KeyIdentity.generate());
      for (const identity of identities) await local.bigmap.authorize(identity.getPrincipal(), { read: true, write: true });
      const clients = await Promise.all(identities.map((identity) => BigMap.connect({ indexCanisterId: local.indexCanisterId, host: server.url, identity })));

      const deadline = Date.now() + SECONDS * 1000;
      const models = clients.map(() => new Map<number, string>());
      const reports: ClientReport[] = clients.map(() => ({ puts: 0, deletes: 0, gets: 0, errors: [] }));
      const started = performance.now();
      await Promise.all(
        clients.flatMap((client, c) => {
          const items = client.collection('load', { value: codecs.text() });
          const model = models[c];
          const report = reports[c];
          // Each loop of a client owns its own keys, so the model never races.
          return Array.from({ length: IN_FLIGHT }, async (_, loop) => {
            for (let i = 0; Date.now() < deadline; i++) {
              const n = loop + IN_FLIGHT * ((i * 7919) % (KEYS_PER_CLIENT / IN_FLIGHT));
              const key = `c${c}-k${n}`;
              try {
                if (i % 5 === 4) {
                  await items.delete(key);
                  model.delete(n);
                  report.deletes++;
                } else if (i % 5 === 3) {
                  expect(await items.get(key), key).toBe(model.get(n));
                  report.gets++;
                } else {
                  const value = `${key}:${i}:${'z'.repeat(100)}`;
                  await items.put(key, value);
                  model.set(n, value);
                  report.puts++;
                }
              } catch (e) {
                report.errors.push(e instanceof Error ? e.message.split('\n')[0] : String(e));
              }
            }
          });
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const total = reports.reduce((t, r) => ({ puts: t.puts + r.puts, deletes: t.deletes + r.deletes, gets: t.gets + r.gets, errors: t.errors + r.errors.length }), { puts: 0, deletes: 0, gets: 0, errors: 0 });
      console.log(
        `load: ${CLIENTS} clients × ${IN_FLIGHT} in flight for ${seconds.toFixed(1)} s: ` +
          `${((total.puts + total.deletes + total.gets) / seconds).toFixed(1)} ops/s (${total.puts} puts, ${total.deletes} deletes, ${total.gets} gets), ${total.errors} errors`,
      );
      expect(reports.flatMap((r) => r.errors)).toEqual([]);

      await local.bigmap.waitForMigrations();
      for (const [c, model] of models.entries()) {
        const items = clients[c].collection('load', { value: codecs.text() });
        const keys = Array.from({ length: KEYS_PER_CLIENT }, (_, n) => n);
        const read = await items.getMany(keys.map((n) => `c${c}-k${n}`));
        expect(read.map((r) => (r.ok ? r.value : r.error))).toEqual(keys.map((n) => model.get(n)));
      }
      const stats = await local.bigmap.stats();
      expect(stats.canisters.length, 'canisters split under the load').toBeGreaterThan(1);
      expect(Number(stats.canisters.reduce((n, x) => n + x.keys, 0n)), 'every key in exactly one canister').toBe(models.reduce((n, m) => n + m.size, 0));
    } finally {
      await server.close();
      await local.close();
    }
  });
});
