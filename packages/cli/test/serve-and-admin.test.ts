// Runs the built `vireo` binary: `serve` on a fresh data directory, and the operator commands.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPathSafe(new URL('../dist/main.js', import.meta.url));
const dirs: string[] = [];
const newDataDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function fileURLToPathSafe(u: URL) {
  return decodeURIComponent(u.pathname);
}

const vireo = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, VIREO_LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' });

describe('vireo serve', { timeout: 300_000 }, () => {
  it('starts on a fresh data directory, prints URL, organization and key, and stops cleanly on SIGTERM', async () => {
    const dataDir = newDataDir();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const banner: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const rl = readline.createInterface({ input: child.stdout! });
      rl.on('line', (l) => {
        banner.push(l);
        if (l.includes('Health:')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${banner.join('\n')}`)));
    });
    const text = banner.join('\n');
    const url = /running at (http:\/\/localhost:\d+)/.exec(text)![1]!;
    const org = /Organization id:\s+(\S+)/.exec(text)![1]!;
    const key = /Secret key:\s+(dtvi_\S+)/.exec(text)![1]!;
    expect(key).toHaveLength(103);

    const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
    expect(creds).toEqual({ organizationId: org, secretKey: key });
    expect(fs.statSync(path.join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);

    const r = await fetch(`${url}/workspaces/${org}/datasets`, { headers: { authorization: `Bearer ${key}`, 'organization-id': org } });
    expect(r.status).toBe(200);

    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('refuses a bad setting with a message naming the variable and exit code 2', () => {
    const r = vireo(['serve'], { PORT: 'http', VIREO_DATA_DIR: newDataDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PORT: must be an integer');
  });

  it('takes the first credentials from VIREO_INIT_* when given', async () => {
    const dataDir = newDataDir();
    const key = `dtvi_${'k'.repeat(98)}`;
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, VIREO_LOG_LEVEL: 'silent', VIREO_INIT_ORGANIZATION_ID: 'acme', VIREO_INIT_SECRET_KEY: key },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    await new Promise<void>((resolve) => readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (l.includes('Health:')) resolve();
    }));
    expect(lines.join('\n')).toContain('Organization id:  acme');
    expect(lines.join('\n')).not.toContain(key);
    expect(fs.existsSync(path.join(dataDir, 'credentials.json'))).toBe(false);
    const url = /running at (\S+)/.exec(lines.join('\n'))![1]!;
    const r = await fetch(`${url}/workspaces/acme`, { headers: { authorization: `Bearer ${key}`, 'organization-id': 'acme' } });
    expect(r.status).toBe(200);
    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exit;
  });
});

describe('vireo orgs / keys', { timeout: 300_000 }, () => {
  it('creates an organization and keys, lists and revokes them, without a running server', () => {
    const env = { VIREO_DATA_DIR: newDataDir() };
    const org = vireo(['orgs', 'create', '--name', 'Acme', '--json'], env);
    expect(org.status, org.stderr).toBe(0);
    const made = JSON.parse(org.stdout);
    expect(made.secretKey).toHaveLength(103);

    const key = vireo(['keys', 'create', '--org', made.organizationId, '--name', 'ci', '--json'], env);
    expect(key.status, key.stderr).toBe(0);
    const keyId = JSON.parse(key.stdout).key.keyId;

    const list = vireo(['keys', 'list', '--org', made.organizationId], env);
    expect(list.stdout).toMatch(/KEY ID\s+NAME\s+PREFIX/);
    expect(list.stdout).toContain('ci');
    expect(list.stdout).not.toContain(made.secretKey);

    const revoke = vireo(['keys', 'revoke', keyId, '--org', made.organizationId], env);
    expect(revoke.status, revoke.stderr).toBe(0);
    const after = JSON.parse(vireo(['keys', 'list', '--org', made.organizationId, '--json'], env).stdout);
    expect(after.find((k: any) => k.keyId === keyId).revokedAt).toBeGreaterThan(0);

    const unknown = vireo(['keys', 'list', '--org', 'nope'], env);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('Organization nope not found');

    const usage = vireo(['keys', 'create'], env);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("required option '--org <id>'");
  });

  it('prints help with examples for every command', () => {
    for (const args of [['--help'], ['serve', '--help'], ['orgs', 'create', '--help'], ['keys', 'create', '--help'], ['keys', 'list', '--help'], ['keys', 'revoke', '--help']]) {
      const r = vireo(args, {});
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('Example');
    }
  });
});
