import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const KEY = `dtvi_${'a'.repeat(98)}`;

describe('configuration', () => {
  it('defaults to SQLite and local disk under ./.vireo on port 8080', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe('/srv/app/.vireo');
    expect(c.database).toMatchObject({ dialect: 'sqlite', url: '/srv/app/.vireo/vireo.db' });
    expect(c.publicUrl).toBeUndefined();
    expect(c.signingSecret).toBeUndefined();
    expect(c.logLevel).toBe('info');
  });

  it('selects PostgreSQL from a postgres:// DATABASE_URL and SQLite from sqlite:<file>', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/v' }).database).toMatchObject({ dialect: 'postgres', url: 'postgres://u@db:5432/v' });
    expect(loadConfig({ DATABASE_URL: 'sqlite:data/x.db' }, '/w').database).toMatchObject({ dialect: 'sqlite', url: path.resolve('/w', 'data/x.db') });
  });

  it('reports every bad value at once, naming each variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', VIREO_LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', VIREO_SIGNING_SECRET: 'short', VIREO_PUBLIC_URL: 'ftp://x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    for (const name of ['PORT', 'VIREO_LOG_LEVEL', 'DATABASE_URL', 'VIREO_SIGNING_SECRET', 'VIREO_PUBLIC_URL']) expect(message).toContain(name);
    expect((err as ConfigError).problems).toHaveLength(5);
  });

  it('rejects out-of-range ports and malformed initial credentials', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ VIREO_INIT_SECRET_KEY: 'dtvi_short' })).toThrow(/VIREO_INIT_SECRET_KEY/);
    expect(() => loadConfig({ VIREO_INIT_ORGANIZATION_ID: 'has_underscore' })).toThrow(/VIREO_INIT_ORGANIZATION_ID/);
    expect(loadConfig({ VIREO_INIT_SECRET_KEY: KEY }).init.secretKey).toBe(KEY);
  });

  it('strips a trailing slash from VIREO_PUBLIC_URL', () => {
    expect(loadConfig({ VIREO_PUBLIC_URL: 'https://v.example.com/' }).publicUrl).toBe('https://v.example.com');
  });
});
