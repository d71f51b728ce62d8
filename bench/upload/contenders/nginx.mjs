// The baseline: nginx's WebDAV module storing each PUT as a file. Installed from Debian when
// missing; run as the current user with its own configuration, pid, logs and temp paths.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { putAll } from '../client.mjs';
import { cpuSeconds, cpuSince, freePort, stopProcess } from '../procs.mjs';

export function ensureNginx() {
  const found = findNginx();
  if (found) return found;
  console.log('nginx is missing: installing it from Debian (apt-get install -y nginx-light)…');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args) => spawnSync(sudo[0] ?? args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  let r = run(['apt-get', 'install', '-y', 'nginx-light']);
  if (r.status !== 0) {
    run(['apt-get', 'update']);
    r = run(['apt-get', 'install', '-y', 'nginx-light']);
    if (r.status !== 0) r = run(['apt-get', 'install', '-y', 'nginx']);
  }
  const installed = findNginx();
  if (!installed) throw new Error('could not install nginx (apt-get install -y nginx-light); install it and run again');
  return installed;
}

function findNginx() {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) if (fs.existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

const fanout = (name) => {
  const h = crypto.createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 2)}/${h.slice(2, 4)}`;
};

export const nginx = {
  name: 'nginx',
  describe: 'nginx WebDAV PUT (dav_methods PUT, create_full_put_path), access log on',

  async start({ tmp, workers }) {
    const bin = ensureNginx();
    const dir = fs.mkdtempSync(path.join(tmp, 'nginx-'));
    const root = path.join(dir, 'root');
    fs.mkdirSync(root);
    fs.mkdirSync(path.join(dir, 'body'));
    const port = await freePort();
    const user = os.userInfo();
    const conf = `
${user.uid === 0 ? `user ${user.username};` : ''}
worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/body; fastcgi_temp_path ${dir}/body; uwsgi_temp_path ${dir}/body; scgi_temp_path ${dir}/body;
  sendfile on;
  keepalive_requests 100000;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:${port};
    location /files/ {
      root ${root};
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
      client_body_buffer_size 128k;
    }
  }
}
`;
    fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
    const log = path.join(dir, 'stderr.log');
    const fd = fs.openSync(log, 'w');
    const child = spawn(bin, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    // Ready once the pid file is written and the port answers.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${fs.readFileSync(log, 'utf8')}${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/files/`, { method: 'HEAD' });
        await res.arrayBuffer();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('nginx did not start listening');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return { dir, root, port, child, url: `http://127.0.0.1:${port}` };
  },

  async warmUp(inst, files, { concurrency }) {
    await putAll(files.map((f) => ({ url: `${inst.url}/files/warmup/${f.name}`, file: f.path, headers: { 'content-type': f.mime }, ok: (s) => s === 201 || s === 204 })), concurrency);
  },

  async run(inst, files, { concurrency, nginxFanout }) {
    // --nginx-fanout: store under two levels of directories named from the file's hash, like
    // Vireo's blob store (a diagnostic: it shows what directory creation costs on this disk).
    const where = (f) => (nginxFanout ? `${fanout(f.name)}/${f.name}` : f.name);
    const targets = files.map((f) => ({ url: `${inst.url}/files/bench/${where(f)}`, file: f.path, headers: { 'content-type': f.mime }, ok: (s) => s === 201 || s === 204 }));
    const cpu0 = cpuSeconds(inst.child.pid);
    const t0 = performance.now();
    const latencies = await putAll(targets, concurrency);
    const ms = performance.now() - t0;
    const serverCpu = cpuSince(inst.child.pid, cpu0);
    const stored = fs.readdirSync(path.join(inst.root, 'files', 'bench'), { recursive: true }).filter((p) => p.endsWith('.jpg')).length;
    if (stored !== files.length) throw new Error(`nginx stored ${stored} of ${files.length} files`);
    return { ms, latencies, serverCpu, details: {} };
  },

  async stop(inst) {
    await stopProcess(inst.child, 'SIGQUIT', 10_000); // its files stay until the run ends (see run.mjs)
  },
};
