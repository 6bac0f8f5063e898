/**
 * Smoke test of `bigmap bench`: every suite starts and finishes at the smallest size, and
 * the run writes a report whose JSON has the documented shape and an HTML page with the
 * charts. It checks the wiring, not the numbers (benchmarks never run in `npm test`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../canisters/build.ts';
import type { BenchReport } from './run.ts';

const out = mkdtempSync(join(tmpdir(), 'bigmap-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('bigmap bench --smoke', () => {
  it('runs every suite and writes a JSON report of the documented shape and an HTML report with charts', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin', 'bigmap.js'), 'bench', '--smoke', '--out', out, '--json'], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 2 ** 20,
    });
    const printed = JSON.parse(stdout) as { jsonPath: string; htmlPath: string };
    expect(printed.jsonPath.startsWith(out)).toBe(true);
    const report = JSON.parse(readFileSync(printed.jsonPath, 'utf8')) as BenchReport;

    expect(report.version).toBe(1);
    expect(report.environment).toMatchObject({ node: expect.stringMatching(/^v\d+/), cores: expect.any(Number), commit: expect.any(String) });
    expect(report.seed).toBe(1);
    expect(report.options).toMatchObject({ preset: 'smoke', suites: ['micro', 'e2e', 'scaling'] });

    expect(report.micro!.map((m) => m.name)).toHaveLength(6);
    for (const m of report.micro!) expect(m.raw.opsPerSecond > 0 && m.bigmap.opsPerSecond > 0 && m.ratio > 0).toBe(true);

    const { targets, cells, ratios } = report.endToEnd!;
    expect(targets.map((t) => t.name)).toEqual(['bigmap', 'bigmap-unbatched', 'data-replica', 'kvmap-replica', 'kvmap-agent']);
    for (const name of targets.map((t) => t.name)) expect(cells.some((c) => c.target === name)).toBe(true);
    for (const operation of ['put', 'get', 'delete', 'scan']) expect(cells.some((c) => c.target === 'bigmap' && c.operation === operation)).toBe(true);
    for (const c of cells) {
      expect(c.opsPerSecond, `${c.target} ${c.operation} ${c.mode}`).toBeGreaterThan(0);
      expect(c.checkedItems).toBeGreaterThan(0);
      expect(c.latency.p50Ms).toBeLessThanOrEqual(c.latency.p99Ms);
      expect(c.latency.percentilesMs).toHaveLength(21);
      expect(c.instructionsPerItem).toBeGreaterThan(0);
    }
    expect(ratios.some((r) => r.baseline === 'kvmap-agent' && r.throughputRatio > 0)).toBe(true);

    const scaling = report.scaling!;
    expect(scaling.splits.length).toBeGreaterThan(0);
    for (const s of scaling.splits) {
      expect(s.keysMovedShare).toBeGreaterThan(0.3);
      expect(s.keysMovedShare).toBeLessThan(0.7);
    }
    expect(scaling.memory.canisters.reduce((n, c) => n + c.keys, 0)).toBe(scaling.items);
    expect(report.cost!.storage!.cyclesPerStoredGBMonth).toBeGreaterThan(0);
    expect(report.cost!.operations.length).toBeGreaterThan(0);

    const html = readFileSync(printed.htmlPath, 'utf8');
    for (const id of ['micro', 'throughput-put', 'latency-get', 'scaling-canisters', 'migration-timeline']) expect(html).toContain(`<canvas id="${id}">`);
    expect(html).toContain('new Chart(');
    // Chart.js is inlined: the page needs no server and no network.
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
