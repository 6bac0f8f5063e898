#!/usr/bin/env node
// The `bigmap` command. The embedded replica runs Motoko's wasm64 canisters, which need
// Node.js 24; `npm install` brings one (the node@24 devDependency). This shim starts the
// CLI on that Node when the one running it is older, and otherwise runs it in place.
// In a checkout it runs the TypeScript sources (Node 24 strips types); installed as a
// dependency, the compiled JavaScript in dist/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');
const insideNodeModules = root.split(/[\\/]/).includes('node_modules');
const entry = !insideNodeModules && existsSync(source) ? source : compiled;
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  await import(pathToFileURL(entry).href);
} else {
  let node24;
  try {
    node24 = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
  } catch {
    node24 = undefined;
  }
  if (!node24 || !existsSync(node24)) {
    console.error(`bigmap needs Node.js 24 or newer (this is ${process.version}); run \`npm install\` to get it as a dependency, or install Node 24.`);
    process.exit(1);
  }
  const child = spawn(node24, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl+C reaches the whole foreground process group, the child included: passing SIGINT on
  // too would make it two (which `bigmap start` takes as "exit now"). SIGTERM comes to this
  // process alone (kill <pid>): pass it on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
