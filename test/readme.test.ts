/**
 * The README's SDK quick start runs as written (with `bigmap` resolved to this checkout),
 * and prints what its comments say.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../canisters/build.ts';

const work = mkdtempSync(join(tmpdir(), 'bigmap-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first ```ts block after `heading`. */
function snippet(heading: string): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(heading);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start < 0 || !match) throw new Error(`no ts block after ${heading}`);
  return match[1];
}

function run(file: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [file], { cwd: work, encoding: 'utf8' }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))),
  );
}

describe('README', () => {
  it('the SDK quick start runs and prints what it says', async () => {
    // The script must sit inside the checkout so that its imports resolve to node_modules.
    const dir = join(REPO_ROOT, '.cache', 'readme');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'sdk-quick-start.ts');
    writeFileSync(file, snippet('### The SDK').replace("from 'bigmap'", `from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'client', 'index.ts')).href)}`));
    const output = await run(file);
    expect(output).toContain("{ name: 'Alice', joined: 2026 }");
    expect(output).toMatch(/^2026-11-21T11:30 uploaded a photo\n2026-11-21T10:00 logged in$/m);
    expect(output).toMatch(/^1 data canister\(s\), 5 keys$/m);
    // And a second run finds the data the first one left in its state directory.
    const again = await run(file);
    expect(again).toMatch(/data canister\(s\), 5 keys$/m);
  });
});
