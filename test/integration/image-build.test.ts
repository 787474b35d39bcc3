// The API/operator image cannot be built here (no Docker engine), so this replays the Dockerfile's own
// steps in a temp directory: its COPY lines, npm ci, npm run build, the production-only install, then
// starts the result as the image's CMD does (standalone, no services) and asks /readyz.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testbed/paths.js';
import { freePort, waitFor } from '../../testbed/proc.js';
import { spawnTracked, tempDir } from '../support/cleanup.js';

const work = tempDir('image');

/** COPY lines of a Dockerfile stage: [source..., destination], --from copies left out. */
function copies(dockerfile: string, stage: string | undefined): string[][] {
  const out: string[][] = [];
  let current: string | undefined;
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) current = from[1];
    const copy = /^COPY\s+(?!--from)(.+)$/i.exec(line);
    if (copy && current === stage) out.push(copy[1]!.trim().split(/\s+/));
  }
  return out;
}

function apply(lines: string[][], into: string): void {
  for (const parts of lines) {
    const dest = parts.at(-1)!;
    for (const src of parts.slice(0, -1)) {
      const target =
        dest.endsWith('/') || dest === './' ? join(into, dest, src.split('/').at(-1)!) : join(into, dest);
      cpSync(join(REPO_ROOT, src), target, { recursive: true });
    }
  }
}

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    stdio: 'pipe',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });

describe('the API and operator image build', () => {
  it('shares its build sources with the pipeline image, which runs the compiled stage program', () => {
    const api = copies(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'), 'build')
      .flat()
      .sort();
    const pipelineFile = readFileSync(join(REPO_ROOT, 'pipeline-image/Dockerfile'), 'utf8');
    const pipeline = copies(pipelineFile, 'build').flat().sort();
    expect(pipeline).toEqual(api);
    expect(pipelineFile).toMatch(/"node", "dist\/pipeline-image\/src\/main\.js"\]/);
  });

  it('builds with the Dockerfile steps and starts from dist with production dependencies only', async () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const build = join(work, 'build');
    const runtime = join(work, 'app');
    mkdirSync(build, { recursive: true });
    mkdirSync(runtime, { recursive: true });
    apply(copies(dockerfile, 'build'), build);
    npm(['ci', '--no-audit', '--no-fund', '--prefer-offline'], build);
    npm(['run', 'build'], build);

    apply(copies(dockerfile, 'deps'), runtime);
    npm(['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], runtime);
    cpSync(join(build, 'dist'), join(runtime, 'dist'), { recursive: true });
    apply(copies(dockerfile, undefined), runtime);
    expect(() =>
      execFileSync('node', ['-e', "require.resolve('tsx')"], { cwd: runtime, stdio: 'pipe' }),
    ).toThrow();

    const port = await freePort();
    const cmd = /^CMD\s+(\[.+\])/m.exec(dockerfile)![1]!;
    const [exe, ...args] = JSON.parse(cmd) as string[];
    let log = '';
    const proc = spawnTracked(exe === 'node' ? process.execPath : exe!, args, {
      cwd: runtime,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        NODE_ENV: 'production',
        PORT: String(port),
        HEIMDEX_DATA_DIR: join(work, 'data'),
        HEIMDEX_SAMPLE: 'off',
        // No model download attempt: tests never leave this machine.
        HEIMDEX_MODELS_FETCH: 'never',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    try {
      await waitFor(
        'the built server to be ready',
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
        {
          timeoutMs: 60_000,
          alive: () => proc.exitCode === null,
        },
      ).catch((e) => {
        throw new Error(`${e.message}\n${log.slice(-2000)}`);
      });
      expect(log).toMatch(/database migrations applied/);
      // The pipeline image's entrypoint is in the same build output.
      const usage = spawnSync(process.execPath, ['dist/pipeline-image/src/main.js'], {
        cwd: runtime,
        encoding: 'utf8',
      });
      expect(usage.status).not.toBe(0);
      expect(`${usage.stdout}${usage.stderr}`).toMatch(/stage/i);
      // So is the cluster API the chart starts, which without a cluster says what it lacks and what to run.
      const cluster = spawnSync(process.execPath, ['dist/api/server.js'], {
        cwd: runtime,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: work, NODE_ENV: 'production' },
      });
      expect(cluster.status).toBe(1);
      expect(cluster.stdout).toMatch(
        /the cluster API needs KUBECONFIG[^"]*DATABASE_URL[^"]*S3_ENDPOINT[^"]*npm start/,
      );
    } finally {
      // Awaited: the server removes its embedded Postgres's socket directory on the way out.
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
    }
  }, 300_000);
});
