// Numbers as people read them: clock times, sizes, rates, and how strong a match is.

/** 75.4 → "1:15", 3725 → "1:02:05". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Bytes in binary units with at most three significant digits: 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : Number(v.toPrecision(3))} ${units[i]}`;
}

/** Upload speed and time left from samples of (time ms, bytes sent), over the last few seconds. */
export function rate(
  samples: readonly { at: number; sent: number }[],
  total: number,
): { bytesPerSecond: number; secondsLeft: number | null } {
  const last = samples.at(-1);
  const first = samples.find((s) => last && last.at - s.at <= 5000);
  if (!last || !first || last.at === first.at) return { bytesPerSecond: 0, secondsLeft: null };
  const bps = ((last.sent - first.sent) * 1000) / (last.at - first.at);
  return { bytesPerSecond: bps, secondsLeft: bps > 0 ? (total - last.sent) / bps : null };
}
