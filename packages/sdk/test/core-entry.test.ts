// The core entry (`@vireo/sdk`) must run in browsers: its built files, followed through every
// import, reach no `node:` module and no package at run time, and esbuild bundles it for the
// browser platform. The Node entry is a separate export.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const SDK = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(SDK, 'dist');

/** Every module specifier imported (statically or dynamically) by a built file. */
function importsOf(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

describe('core entry', () => {
  it('is built (npm run build) and declared separately from the Node entry', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(SDK, 'package.json'), 'utf8'));
    expect(pkg.exports['.'].default).toBe('./dist/index.js');
    expect(pkg.exports['./node'].default).toBe('./dist/node/index.js');
    expect(fs.existsSync(path.join(DIST, 'index.js'))).toBe(true);
  });

  it('reaches only its own relative modules: nothing from node:, no package', () => {
    const seen = new Set<string>();
    const external: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
        else external.push(`${path.relative(DIST, file)} imports ${spec}`);
      }
    };
    visit(path.join(DIST, 'index.js'));
    expect(external).toEqual([]);
    expect([...seen].some((f) => f.includes(`${path.sep}node${path.sep}`))).toBe(false);
    expect(seen.size).toBeGreaterThan(8);
    // The walk does see imports: the Node entry has node: ones.
    expect(importsOf(path.join(DIST, 'node', 'files.js'))).toContain('node:fs');
  });

  it('bundles for the browser platform', async () => {
    const r = await build({ entryPoints: [path.join(DIST, 'index.js')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(r.errors).toEqual([]);
    const code = r.outputFiles[0]!.text;
    expect(code).toMatch(/var Client = class/);
    expect(code).not.toMatch(/from\s*["']node:/);
  });
});
