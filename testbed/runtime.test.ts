// The project runs on the Node of its `node` devDependency, not on the machine's: npm puts
// node_modules/.bin first on PATH for `npm start`, `npm test`, `npm run` and `npx`, so the tests, what
// they spawn (process.execPath, `node` from PATH) and the tsx CLI all report that version.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths.js';

const pkg = (path: string) => JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8'));
const wanted = `v${pkg('node_modules/node/package.json').version}`;
const versionOf = (command: string, args: string[]) =>
  execFileSync(command, args, { encoding: 'utf8', env: process.env }).trim();

describe('the Node runtime', () => {
  it('is the node devDependency, a Node 24 LTS release, which engines admits', () => {
    expect(wanted).toMatch(/^v24\./);
    expect(pkg('package.json').engines.node).toBe('>=24');
    expect(process.version).toBe(wanted);
    expect(process.execPath).toBe(join(REPO_ROOT, 'node_modules/node/bin/node'));
  });

  it('runs what the tests spawn: process.execPath, node from PATH and the tsx CLI', () => {
    expect(versionOf(process.execPath, ['-p', 'process.version'])).toBe(wanted);
    expect(versionOf('node', ['-p', 'process.version'])).toBe(wanted);
    expect(versionOf(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['-e', 'console.log(process.version)'])).toBe(
      wanted,
    );
  });
});
