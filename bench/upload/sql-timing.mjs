// Preloaded into the Vireo server by `--sql-timing` (node --import): times every SQLite statement
// by SQL text and prints the heaviest to stderr (the server log) when the process exits.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.resolve('packages/server/package.json'));
const SQLite = require('better-sqlite3');
const stats = new Map();
const origPrepare = SQLite.prototype.prepare;
let prepares = 0;
SQLite.prototype.prepare = function (text) {
  prepares++;
  const stmt = origPrepare.call(this, text);
  for (const m of ['run', 'all', 'get']) {
    const orig = stmt[m];
    stmt[m] = function (...args) {
      const t = process.hrtime.bigint();
      try {
        return orig.apply(this, args);
      } finally {
        const key = text.replace(/\s+/g, ' ').replace(/(\?, )+\?/g, '?…').slice(0, 160);
        const s = stats.get(key) ?? { n: 0, ns: 0n };
        s.n++;
        s.ns += process.hrtime.bigint() - t;
        stats.set(key, s);
      }
    };
  }
  return stmt;
};
process.on('exit', () => {
  const rows = [...stats].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 25);
  process.stderr.write(`\n-- SQLite statements by total time (${prepares} statements prepared)\n`);
  for (const [sql, s] of rows) process.stderr.write(`${(Number(s.ns) / 1e6).toFixed(1).padStart(8)} ms ${String(s.n).padStart(7)} × ${(Number(s.ns) / 1e3 / s.n).toFixed(1).padStart(7)} µs  ${sql}\n`);
});
