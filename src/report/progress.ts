/**
 * Live progress on stderr for people at a terminal: an ora spinner per phase (showing retries while
 * connecting), then one cli-progress bar for the run (file i of n, bytes of all inputs, overall ETA,
 * records read from the current file, molecules/s, the last batch's size, rejects), fitted to the
 * terminal's width. Created only when stderr is a TTY, `--quiet` is off and `CI` is unset;
 * everything else gets log lines instead.
 */
import cliProgress from 'cli-progress';
import ora, { type Ora } from 'ora';
import type { ImportEvent, ImportEventListener } from '../import/events.js';
import { formatBarLine, type BarFields } from './bar-line.js';
import { wrapText } from './fit.js';
import { formatBytes, formatDuration, formatInt } from './format.js';

export interface ProgressOutput {
  stream: NodeJS.WriteStream;
  /** Colour the spinner and its symbols (decided from NO_COLOR / FORCE_COLOR by the caller). @default true */
  color?: boolean;
}

export interface ProgressReporter extends ImportEventListener {
  /** Prints a line above the live bar or spinner without tearing it (signal notices, warnings). */
  notice(text: string): void;
  stop(): void;
}

const PHASE_TEXT: Record<string, string> = {
  connecting: 'Connecting',
  schema: 'Preparing the schema',
  locking: 'Taking the table lock',
  finishing: 'Recording the run',
};

export function createProgressReporter({ stream, color = true }: ProgressOutput): ProgressReporter {
  // One column spare: writing into the last column makes some terminals wrap early.
  const width = (): number => Math.max(20, (stream.columns || 80) - 1);
  let spinner: Ora | undefined;
  let spinnerBase = '';
  let bar: cliProgress.SingleBar | undefined;
  let totalBytes: number | null = null;
  let bytesBefore = 0;
  let currentFileBytes = 0;
  let value = 0;
  const fields: BarFields = {
    name: '',
    fraction: 0,
    bytes: '',
    eta: '?',
    read: '0',
    rate: '0',
    batch: '-',
    rejects: '0',
  };

  const fit = (text: string): string => {
    const w = width() - 2; // the spinner's frame and a space
    return [...text].length > w ? [...text].slice(0, w - 1).join('') + '…' : text;
  };
  const startSpinner = (text: string): void => {
    spinnerBase = text;
    spinner = ora({ text: fit(text), stream, color: color ? 'cyan' : false }).start();
  };
  const endSpinner = (text?: string): void => {
    const symbol = color ? '\u001B[32m✔\u001B[39m' : '✔';
    spinner?.stopAndPersist({ symbol, text: fit(text ?? spinnerBase) });
    spinner = undefined;
  };

  const render = (): void => {
    fields.fraction = totalBytes === null ? null : totalBytes > 0 ? value / totalBytes : 1;
    fields.bytes =
      totalBytes === null ? formatBytes(value) : `${formatBytes(value)}/${formatBytes(totalBytes)}`;
  };
  const startBar = (): void => {
    bar = new cliProgress.SingleBar({
      stream,
      format: (_options, params) => {
        fields.eta =
          fields.fraction !== null && fields.fraction >= 1
            ? '0 s'
            : Number.isFinite(params.eta) && params.eta > 0
              ? formatDuration(params.eta * 1000)
              : '?';
        return formatBarLine(fields, width());
      },
      hideCursor: true,
      // Wrapping stays on: the line is fitted to the width, so nothing is cut or wrapped.
      linewrap: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
      gracefulExit: false,
    });
    bar.start(Math.max(1, totalBytes ?? 1), Math.min(value, totalBytes ?? value));
  };
  const updateBar = (): void => {
    render();
    bar?.update(totalBytes === null ? 0 : Math.min(value, totalBytes));
  };
  const stopBar = (): void => {
    if (!bar) return;
    updateBar();
    bar.stop();
    bar = undefined;
  };

  const notice = (text: string): void => {
    const lines = wrapText(text, width()).join('\n') + '\n';
    if (bar) {
      // cli-progress returns the cursor to where the bar started when it stops: clear the bar's
      // line, print the notice, and start the bar again below it.
      (bar as unknown as { options: { clearOnComplete: boolean } }).options.clearOnComplete = true;
      bar.stop();
      stream.write(lines);
      startBar();
      updateBar();
      return;
    }
    if (spinner) {
      spinner.clear();
      stream.write(lines);
      spinner.render();
      return;
    }
    stream.write(lines);
  };

  const listener = (event: ImportEvent): void => {
    switch (event.type) {
      case 'phase':
        if (event.phase === 'importing') return;
        stopBar();
        startSpinner(
          event.phase === 'connecting' && event.detail
            ? `Connecting to ${event.detail}`
            : (PHASE_TEXT[event.phase] ?? event.phase),
        );
        return;
      case 'phase-done':
        endSpinner(
          event.phase === 'connecting'
            ? `Connected to ${event.detail ?? 'the database'}`
            : event.detail
              ? `${PHASE_TEXT[event.phase] ?? event.phase}: ${event.detail}`
              : undefined,
        );
        return;
      case 'retry': {
        const text = `(retry ${event.attempt} of ${event.maxRetries} in ${(event.delayMs / 1000).toFixed(1)} s)`;
        // A spinner that does not animate (ora turns itself off when CI is set) would never show
        // its new text: such a terminal gets the retry as a line.
        if (spinner?.isSpinning === true) spinner.text = fit(`${spinnerBase} ${text}`);
        else notice(spinner ? `${spinnerBase} ${text}` : `${event.operation}: ${event.message}; ${text}`);
        return;
      }
      case 'database':
        // The connecting spinner already named a server; the embedded default needs explaining.
        if (event.kind !== 'embedded') return;
        notice(
          `No database named (--db, DATABASE_URL, PGHOST): using the embedded PostgreSQL (PGlite) in ${event.dataDir}`,
        );
        return;
      case 'file-start':
        if (bar && currentFileBytes > 0) bytesBefore += currentFileBytes;
        currentFileBytes = event.totalBytes ?? 0;
        totalBytes = event.inputBytes ?? event.totalBytes;
        value = bytesBefore;
        fields.counter = event.fileCount > 1 ? `file ${event.index + 1} of ${event.fileCount}` : undefined;
        fields.name = shortName(event.path);
        fields.read = '0';
        if (!bar) startBar();
        updateBar();
        return;
      case 'progress':
        value = bytesBefore + event.bytesRead;
        fields.read = formatInt(event.fileRead);
        fields.rate = formatInt(event.moleculesPerSecond);
        fields.batch = formatInt(event.batchSize);
        fields.rejects = formatInt(event.rejected);
        updateBar();
        return;
      case 'file-end':
        return;
      case 'warning':
        notice(`warning: ${event.message}`);
        return;
      case 'done':
        fields.rejects = formatInt(event.stats.rejected);
        stopBar();
        // A phase that never finished (no database, no lock) stays on screen, marked failed.
        spinner?.stopAndPersist({ symbol: color ? '\u001B[31m✖\u001B[39m' : '✖', text: fit(spinnerBase) });
        spinner = undefined;
        return;
    }
  };
  return Object.assign(listener, {
    notice,
    stop(): void {
      stopBar();
      spinner?.stop();
      spinner = undefined;
    },
  });
}

function shortName(p: string): string {
  const base = p.split(/[\\/]/).pop() ?? p;
  return base.length > 28 ? base.slice(0, 27) + '…' : base;
}
