/** Small formatting helpers shared by the progress bar and the stats table. */

const SPARK = '▁▂▃▄▅▆▇█';

/** A one-line chart of a series, e.g. batch sizes over the run. */
export function sparkline(values: readonly number[], width = 40): string {
  if (values.length === 0) return '';
  const points = resample(values, width);
  const min = Math.min(...points);
  const max = Math.max(...points);
  const span = max - min;
  return points
    .map(
      (v) =>
        SPARK[span === 0 ? 3 : Math.min(SPARK.length - 1, Math.floor(((v - min) / span) * SPARK.length))],
    )
    .join('');
}

function resample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / width));
    const slice = values.slice(from, to);
    out.push(slice.reduce((a, b) => a + b, 0) / slice.length);
  }
  return out;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m}m ${rest}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
