// The BUILT `vireo` binary against a real `vireo serve`: the upload's checksum cache (default file
// under $XDG_CACHE_HOME, --checksum-cache <file>, --no-checksum-cache) and a damaged saved login.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../../server/test/support/media-fixtures.js';
import { ChecksumCache, RACY_WINDOW_NS } from '../../sdk/src/node/checksum-cache.js';
import { collectFiles, crc32cOfFile } from '../../sdk/src/node/files.js';
import { run, tempDir, useServer } from './support/cli.js';

const server = useServer();

/**
 * Writes checksums into a cache file as a run that stat'ed the files long enough after their last
 * change would have; `wrong` gets a CRC32C that is not its own.
 */
async function primeCache(file: string, dir: string, wrong: string): Promise<void> {
  const cache = await ChecksumCache.open(file);
  for (const f of await collectFiles(dir, () => true)) {
    const crc = f.path === wrong ? 1 : (await crc32cOfFile(f.path)).crc;
    cache.set(f.path, { ...f.stamp, statStartedNs: f.stamp.changedNs + RACY_WINDOW_NS }, crc);
  }
  await cache.save();
}

describe('vireo assets upload: checksum cache', { timeout: 300_000 }, () => {
  it('uses $XDG_CACHE_HOME/vireo/checksums.json, or --checksum-cache <file>, or none with --no-checksum-cache', async () => {
    const dir = tempDir('vireo-images-');
    const files: string[] = [];
    for (let i = 0; i < 3; i++) files.push((await writeImage(dir, 'png', { width: 16 + i, height: 12, name: `img-${i}.png` })).path);
    const created = await run(['datasets', 'create', '--name', 'cache', '--json'], server().authEnv);
    expect(created.status, created.stderr).toBe(0);
    const ds = JSON.parse(created.stdout).datasetId as string;

    // A wrong cached checksum shows the cache was read: the server refuses the bytes (ECORRUPT).
    await primeCache(path.join(server().authEnv.XDG_CACHE_HOME!, 'vireo', 'checksums.json'), dir, files[0]!);
    const byDefault = await run(['assets', 'upload', ds, dir, '--json', '--no-progress'], server().authEnv);
    expect(byDefault.status).toBe(1);
    const r1 = JSON.parse(byDefault.stdout);
    expect(r1).toMatchObject({ totalSucceeded: 2, checksumsFromCache: 3 });
    expect(r1.failedFiles).toEqual([expect.objectContaining({ path: files[0], code: 'ECORRUPT' })]);

    const own = path.join(tempDir('vireo-own-cache-'), 'sums.json');
    await primeCache(own, dir, files[0]!);
    const byFlag = await run(['assets', 'upload', ds, dir, '--json', '--no-progress', '--checksum-cache', own], server().authEnv);
    expect(byFlag.status).toBe(1);
    expect(JSON.parse(byFlag.stdout)).toMatchObject({ checksumsFromCache: 3, failedFiles: [expect.objectContaining({ path: files[0], code: 'ECORRUPT' })] });

    const without = await run(['assets', 'upload', ds, dir, '--json', '--no-progress', '--no-checksum-cache'], server().authEnv);
    expect(without.status, without.stderr).toBe(0);
    expect(JSON.parse(without.stdout)).toMatchObject({ totalSucceeded: 3, alreadyPresent: 2, checksumsFromCache: 0, failedFiles: [] });
  });
});

describe('vireo login: a damaged saved login', { timeout: 300_000 }, () => {
  it('names the file and says to log in again; `vireo login` replaces it', async () => {
    const env = { ...server().env, XDG_CONFIG_HOME: tempDir('vireo-config-') };
    const file = path.join(env.XDG_CONFIG_HOME, 'vireo', 'credentials.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (const junk of ['{"endpoint": "http://x", "organizationId', '{"endpoint": 1}', 'null']) {
      fs.writeFileSync(file, junk);
      const r = await run(['datasets', 'ls'], env);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`error: the saved login ${file} is damaged`);
      expect(r.stderr).toContain('run `vireo login` again');
      expect(r.stderr).not.toMatch(/SyntaxError|Unexpected|at JSON/);
    }
    const login = await run(['login', '--endpoint', server().url, '--org', server().organizationId, '--key', server().secretKey], env);
    expect(login.status, login.stderr).toBe(0);
    const ls = await run(['datasets', 'ls'], env);
    expect(ls.status, ls.stderr).toBe(0);
  });
});
