/**
 * The progress bar's line, fitted to the terminal: parts are given up least useful first (the bar
 * narrows, then the file name, batch size, bytes, records read, rate, ETA go), and the percentage
 * and the rejects count always stay. Pure, so every width can be tested.
 */

export interface BarFields {
  /** `file 3 of 350`, only for multi-file runs. */
  counter?: string;
  /** The current file's name. */
  name: string;
  /** 0..1 of all inputs' bytes; null when the size is unknown (stdin). */
  fraction: number | null;
  /** e.g. `1.2 GiB/2.9 GiB`. */
  bytes: string;
  /** e.g. `3m 10s`, `?`. */
  eta: string;
  /** Records read from the current file. */
  read: string;
  rate: string;
  batch: string;
  rejects: string;
}

const BAR_MAX = 30;
const BAR_MIN = 10;

interface Shown {
  counter: boolean;
  name: boolean;
  bar: number;
  bytes: boolean;
  eta: boolean;
  read: boolean;
  rate: boolean;
  batch: boolean;
}

function compose(f: BarFields, s: Shown): string {
  const head = [s.counter ? f.counter : undefined, s.name ? f.name : undefined].filter(Boolean).join(' ');
  const filled = f.fraction === null ? 0 : Math.round(Math.min(1, Math.max(0, f.fraction)) * s.bar);
  const bar = s.bar > 0 ? `|${'█'.repeat(filled)}${'░'.repeat(s.bar - filled)}|` : '';
  const pct = f.fraction === null ? '?%' : `${Math.floor(Math.min(1, f.fraction) * 100)}%`;
  const first = [head, bar, pct, s.bytes ? f.bytes : undefined].filter(Boolean).join(' ');
  const parts = [
    first,
    s.eta ? `ETA ${f.eta}` : undefined,
    s.read ? `${f.read} read` : undefined,
    s.rate ? `${f.rate} mol/s` : undefined,
    s.batch ? `batch ${f.batch}` : undefined,
    `rejects ${f.rejects}`,
  ];
  return parts.filter(Boolean).join(' | ');
}

/** The fullest line that fits `width` columns. */
export function formatBarLine(f: BarFields, width: number): string {
  const s: Shown = {
    counter: f.counter !== undefined,
    name: true,
    bar: BAR_MAX,
    bytes: true,
    eta: true,
    read: true,
    rate: true,
    batch: true,
  };
  const fits = (): boolean => [...compose(f, s)].length <= width;
  const steps: (() => void)[] = [
    () => (s.bar = 20),
    () => (s.bar = BAR_MIN),
    () => (s.name = false),
    () => (s.batch = false),
    () => (s.bytes = false),
    () => (s.read = false),
    () => (s.rate = false),
    () => (s.bar = 0),
    () => (s.eta = false),
    () => (s.counter = false),
  ];
  for (const step of steps) {
    if (fits()) break;
    step();
  }
  // With only the essentials left, the line is what it is: a terminal under ~20 columns cuts it.
  return compose(f, s);
}
