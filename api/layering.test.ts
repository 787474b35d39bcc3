// The API serves whatever parts it is given: it composes neither way to run. Standalone mode composes the
// API (standalone/main.ts), never the reverse, so nothing under api/ imports standalone/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const API = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('api/', () => {
  it('imports nothing from standalone/', () => {
    const files = sources(API);
    expect(files.length).toBeGreaterThan(10);
    const offending = files.filter((f) => /from\s+['"](?:\.\.\/)+standalone\//.test(readFileSync(f, 'utf8')));
    expect(offending.map((f) => relative(API, f))).toEqual([]);
  });
});
