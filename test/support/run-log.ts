// The log of stage runs that operator tests and the fault suite check what ran against: one JSON line per run's
// start and end, appended by the stage program (test/support/fake-stage.ts, or the real one wrapped by
// test/support/logged-stage.ts). Each line names its process (pid and its start time, so a pid used again is
// another run), and a run that starts while an earlier run of the same (video, stage) is still alive says so in
// an `alongside` line: two runs at once are then seen as they happen, not guessed from ends a killed run never
// got to write.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface RunLogLine {
  event: string;
  stage: string;
  videoId: string;
  at: number;
  /** The run's process, and its start time in clock ticks since boot (/proc/<pid>/stat). */
  pid?: number;
  since?: string;
  exit?: number;
  signal?: string;
  /** `alongside`: the earlier runs of this (video, stage) that were alive when this one started. */
  runs?: { pid: number; since: string; startedAt: number }[];
  models?: { asr?: string; text?: string; vision?: string };
  [k: string]: unknown;
}

export function readRunLog(file: string): RunLogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** A live process's start time (field 22 of /proc/<pid>/stat); undefined once it has gone, or is a zombie. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/**
 * The logger of this process's run of `stage` for `videoId` (no-op without a file). Its start is appended first
 * and the log read after, so of two runs starting together at least the later one sees the other.
 */
export function runLogger(file: string | undefined, stage: string, videoId: string) {
  const pid = process.pid;
  const since = processStart(pid) ?? '';
  const append = (event: string, extra: Record<string, unknown> = {}) => {
    if (file)
      appendFileSync(
        file,
        `${JSON.stringify({ event, stage, videoId, at: Date.now(), pid, since, ...extra })}\n`,
      );
  };
  return (event: string, extra: Record<string, unknown> = {}) => {
    append(event, extra);
    if (event !== 'start' || !file) return;
    const mine = readRunLog(file).filter((l) => l.stage === stage && l.videoId === videoId && l.pid);
    const ended = new Set(mine.filter((l) => l.event === 'end').map((l) => `${l.pid}/${l.since}`));
    const alive = mine.filter(
      (l) =>
        l.event === 'start' &&
        l.pid !== pid &&
        !ended.has(`${l.pid}/${l.since}`) &&
        processStart(l.pid!) === l.since,
    );
    if (alive.length > 0)
      append('alongside', { runs: alive.map((l) => ({ pid: l.pid, since: l.since, startedAt: l.at })) });
  };
}

/**
 * Where two runs of one (video, stage) overlapped: a start that found an earlier run alive, or a start before the
 * end an earlier run logged. A run with no end that no later start found alive was killed (SIGKILL writes no end)
 * before the next began: not an overlap.
 */
export function overlaps(
  lines: readonly RunLogLine[],
): { stage: string; videoId: string; at: number; why: string }[] {
  const out: { stage: string; videoId: string; at: number; why: string }[] = [];
  const byPair = new Map<string, RunLogLine[]>();
  for (const l of lines) {
    const k = `${l.videoId}/${l.stage}`;
    byPair.set(k, [...(byPair.get(k) ?? []), l]);
  }
  for (const [, ls] of byPair) {
    const runs: { id: string; start: number; end?: number }[] = [];
    for (const l of ls) {
      const id = l.pid ? `${l.pid}/${l.since}` : '';
      if (l.event === 'start') runs.push({ id, start: l.at });
      else if (l.event === 'end') {
        const run = runs.find((r) => r.end === undefined && (id === '' || r.id === id));
        if (run) run.end = l.at;
      } else if (l.event === 'alongside')
        out.push({
          stage: l.stage,
          videoId: l.videoId,
          at: l.at,
          why: `a run began while ${l.runs?.length ?? 1} earlier still ran (pid ${l.runs?.map((r) => r.pid).join(', ')})`,
        });
    }
    for (let i = 1; i < runs.length; i++) {
      const prev = runs[i - 1]!;
      const next = runs[i]!;
      // Without pids (an older log) an end-less run cannot be told from a killed one: count it as running still.
      const open = prev.end === undefined && prev.id === '';
      if (open || (prev.end !== undefined && next.start < prev.end))
        out.push({
          stage: ls[0]!.stage,
          videoId: ls[0]!.videoId,
          at: next.start,
          why: `run ${i + 1} began before run ${i} ended`,
        });
    }
  }
  return out;
}
