// Process helpers: free ports, CPU time of a process tree (from /proc), waiting on a log line.
import fs from 'node:fs';
import net from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds used so far by `pid` and its descendants (those still alive): { user, system }. */
export function cpuSeconds(pid) {
  const total = { user: 0, system: 0 };
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total.user += Number(fields[11]) / TICKS; // utime
      total.system += Number(fields[12]) / TICKS; // stime
    } catch {
      // gone
    }
  }
  return total;
}

export const cpuSince = (pid, before) => {
  const now = cpuSeconds(pid);
  return { user: now.user - before.user, system: now.system - before.system };
};

function descendants(pid) {
  const out = [];
  let children = [];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      children.push(...fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    children = [];
  }
  for (const c of children) out.push(c, ...descendants(c));
  return out;
}

/** Waits until `file` contains a match of `pattern` (a starting server's banner), or the process exits. */
export async function waitForLine(file, pattern, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const m = pattern.exec(text);
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) before it was ready:\n${text.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in ${file}:\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends `signal` and waits for the process to exit (SIGKILL after `graceMs`). */
export async function stopProcess(child, signal = 'SIGTERM', graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
