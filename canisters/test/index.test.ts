/**
 * The index canister's own bookkeeping, on the stepped replica: the versions its first data
 * canisters start with, the migration history it keeps, and who may make it call every
 * data canister.
 */
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';
import { indexIdlFactory, type IndexService } from '../../client/idl/index.ts';
import { OWNER, Router, deploy, key, settle, text } from './harness.ts';
import { rejection } from '../../replica/test/helpers.ts';

const READER = Principal.fromText('aovwi-4maaa-aaaaa-qaagq-cai');

describe('bootstrap', () => {
  it("gives the first data canisters the routing table's version, which their moved answers carry", async () => {
    const d = await deploy({ initialDataCanisters: 3n });
    const table = await d.index.routingTable();
    expect(table.version).toBe(3n); // SlotTable.new, then two assigns
    const canisters = await d.index.dataCanisters();
    expect(canisters).toHaveLength(3);
    // A key of the last canister's slots, asked of each of the others.
    const k = key('boot', 'k');
    const slot = (k[0] << 8) | k[1];
    const owner = table.ranges.find((r) => r.start <= slot && slot <= r.end)!.owner;
    for (const c of canisters) {
      expect((await d.data(c).stats()).tableVersion, c.toText()).toBe(table.version);
      if (c.toText() === owner.toText()) continue;
      expect(await d.data(c).get([k], { fallback: false, values: true }), c.toText()).toEqual([{ moved: { tableVersion: table.version } }]);
    }
  });
});

describe('migration history', () => {
  it('keeps the newest 100 finished migrations, dropping the oldest', async () => {
    const d = await deploy({ initialDataCanisters: 2n });
    const router = new Router(d);
    // Each round makes the two canisters uneven by a few small items and rebalances them:
    // one small migration, about 100 ms on the stepped replica.
    let written = 0;
    let lastId = 0n;
    for (let round = 0; lastId < 105n; round++) {
      if (round > 400) throw new Error(`only ${lastId} migrations after ${round} rounds`);
      for (let i = 0; i < 4; i++) expect('ok' in (await router.put(key('history', `k${written++}`), text('x'.repeat(100))))).toBe(true);
      await d.index.rebalance(0);
      await settle(d);
      await router.refresh();
      const { history } = await d.index.migrationStatus();
      if (history.length > 0) {
        // Newest first; a finished migration must show up, whatever the history's length.
        expect(history[0].id, `round ${round}`).toBeGreaterThanOrEqual(lastId);
        lastId = history[0].id;
      }
    }
    const { history } = await d.index.migrationStatus();
    expect(history).toHaveLength(100);
    expect(history.map((m) => m.id)).toEqual(Array.from({ length: 100 }, (_, i) => lastId - BigInt(i)));
    expect(history.every((m) => 'done' in m.phase)).toBe(true);
  });
});

describe('stats', () => {
  it('is for owners only: a reader cannot make the index call every data canister', async () => {
    const d = await deploy({ initialDataCanisters: 2n });
    await d.index.authorize(READER, { read: true, write: false });
    // Refused in canister_inspect_message, before it executes (the exact code is the replica's).
    const REFUSED = /rejected the message|refused message/;
    expect(d.replica.submitCall(d.indexId, 'stats', new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]), { sender: READER })).toMatchObject({ reject: { message: expect.stringMatching(REFUSED) } });
    const reader = d.replica.createActor<IndexService>(indexIdlFactory, d.indexId, { sender: READER });
    expect((await rejection(reader.stats())).rejectMessage).toMatch(REFUSED);
    // The reader still reads the figures, from each data canister's stats query.
    for (const c of await d.index.dataCanisters()) expect((await d.data(c, READER).stats()).slots).toBe(32_768n);
    const owner = d.replica.createActor<IndexService>(indexIdlFactory, d.indexId, { sender: OWNER });
    expect((await owner.stats()).canisters.map((c) => c.reachable)).toEqual([true, true]);
  });
});
