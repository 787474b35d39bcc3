// How lengths and length limits read in messages people see.

/** "12 min 30 s", "45 s", "10 min": how the limits and lengths read in messages. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  if (m === 0) return `${s} s`;
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}
