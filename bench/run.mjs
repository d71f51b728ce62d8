#!/usr/bin/env node
// Runs benchmarks: `npm run bench` runs every bench/<name>/run.mjs, `npm run bench -- upload` one.
// Each benchmark measures a baseline in the same run and prints ratios, not bare timings.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const available = fs
  .readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(here, d.name, 'run.mjs')))
  .map((d) => d.name)
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
const chosen = wanted.length > 0 ? wanted : available;
if (chosen.length === 0) console.log('No benchmarks are defined yet.');
let failed = 0;
for (const name of chosen) {
  console.log(`\n=== bench/${name} ===`);
  const r = spawnSync(process.execPath, [path.join(here, name, 'run.mjs'), ...process.argv.slice(2).filter((a) => a.startsWith('-'))], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
