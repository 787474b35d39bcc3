// An exclusive, process-level lock on a directory, so two processes never open one embedded database.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'heimdex.lock';

/**
 * PGlite keeps no lock of its own: a second process opening the same data directory runs
 * happily and corrupts it. A file holding our PID, created exclusively, stands in; a file whose
 * process is gone is stale (a crash) and is taken over.
 */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new Error(
        `${dir} is in use by process ${holder}; stop it first (or delete ${path} if that process is not heimdex)`,
      );
    }
    await rm(path, { force: true });
  }
  throw new Error(`could not lock ${dir}: ${path} keeps reappearing`);
}

/** Whether a process with this PID exists (ours or another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means it is running.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
