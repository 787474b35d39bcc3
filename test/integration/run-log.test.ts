// The stage runs' log that the fault suite and the operator tests judge "never two runs at once" by
// (test/support/run-log.ts), with real processes: a run that starts while an earlier one lives says so, and a
// run killed by SIGKILL (which writes no end) is not taken for one still running.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnTracked, tempDir } from '../support/cleanup.js';
import { overlaps, readRunLog } from '../support/run-log.js';

const MODULE = join(import.meta.dirname, '../support/run-log.ts');

/** A run of (v, s) that logs its start and then lives until it is killed or `ms` pass, then logs its end. */
function run(file: string, ms: number) {
  const code = `import { runLogger } from ${JSON.stringify(MODULE)};
const log = runLogger(${JSON.stringify(file)}, 's', 'v');
log('start');
setTimeout(() => { log('end', { exit: 0 }); process.exit(0); }, ${ms});`;
  const child = spawnTracked(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, exited };
}

const startsLogged = async (file: string, n: number) => {
  for (let i = 0; i < 200; i++) {
    if (readRunLog(file).filter((l) => l.event === 'start').length >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${n} starts never logged`);
};

describe('the stage runs log', () => {
  it('flags a run that starts while an earlier one still runs', async () => {
    const file = join(tempDir('run-log'), 'runs.jsonl');
    const first = run(file, 60_000);
    await startsLogged(file, 1);
    const second = run(file, 0);
    await second.exited;
    first.child.kill('SIGKILL');
    await first.exited;
    const found = overlaps(readRunLog(file));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ stage: 's', videoId: 'v', why: expect.stringContaining('still ran') });
  });

  it('takes a killed run (no end) as over when the next one finds it gone, and ends that end in order', async () => {
    const file = join(tempDir('run-log'), 'runs.jsonl');
    const first = run(file, 60_000);
    await startsLogged(file, 1);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = run(file, 0);
    await second.exited;
    const lines = readRunLog(file);
    expect(lines.map((l) => l.event)).toEqual(['start', 'start', 'end']);
    expect(overlaps(lines)).toEqual([]);
  });

  it('flags a start before the end an earlier run logged (a log without pids included)', () => {
    const at = 1_000;
    const base = { stage: 's', videoId: 'v' };
    expect(
      overlaps([
        { ...base, event: 'start', at, pid: 1, since: 'a' },
        { ...base, event: 'start', at: at + 10, pid: 2, since: 'b' },
        { ...base, event: 'end', at: at + 20, pid: 1, since: 'a', exit: 0 },
        { ...base, event: 'end', at: at + 30, pid: 2, since: 'b', exit: 0 },
      ]),
    ).toHaveLength(1);
    expect(
      overlaps([
        { ...base, event: 'start', at },
        { ...base, event: 'start', at: at + 10 },
      ]),
    ).toHaveLength(1);
  });
});
