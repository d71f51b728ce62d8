#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `--cpu-prof`): self time by function and by file, top N.
//   node bench/upload/profile-summary.mjs bench-profiles/CPU.….cpuprofile [top]
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map();
const files = new Map();
for (const [id, us] of self) {
  const { callFrame: cf } = byId.get(id);
  const where = cf.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(/.*\/packages\//, '');
  const key = `${cf.functionName || '(anon)'} ${where}:${cf.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const pkg = where.startsWith('nm:') ? where.split('/').slice(0, where.startsWith('nm:@') ? 2 : 1).join('/') : where || cf.functionName;
  files.set(pkg, (files.get(pkg) ?? 0) + us);
}
const show = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, us]) => console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`));
console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n-- by function (self)`);
show(fn);
console.log('-- by file/package (self)');
show(files);

// Inclusive time of functions whose name or file matches the third argument (a regular expression).
if (process.argv[4]) {
  const re = new RegExp(process.argv[4]);
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const seen = new Set();
    for (let id = prof.samples[i]; id !== undefined; id = parent.get(id)) {
      const { callFrame: cf } = byId.get(id);
      const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules|packages)\//, '')}:${cf.lineNumber + 1}`;
      if (re.test(key)) seen.add(key);
    }
    for (const k of seen) incl.set(k, (incl.get(k) ?? 0) + (dt[i] ?? 0));
  }
  console.log(`-- inclusive, matching ${re}`);
  show(incl);
}
