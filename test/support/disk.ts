// What a test finds on disk: every file under a directory, with its size, to count what is left.
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under dir (data, metadata, partial writes), with its size. */
export function filesUnder(dir: string): { name: string; size: number }[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory()
      ? filesUnder(join(dir, e.name))
      : [{ name: join(dir, e.name), size: statSync(join(dir, e.name)).size }],
  );
}
