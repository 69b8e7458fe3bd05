/**
 * Live progress on stderr for people at a terminal: an ora spinner per phase, then one cli-progress
 * bar per file (bytes read of total, ETA, molecules/s, batch size, rejects). Created only when stderr
 * is a TTY, `--quiet` is off and `CI` is unset; everything else gets log lines instead.
 */
import cliProgress from 'cli-progress';
import ora, { type Ora } from 'ora';
import type { ImportEvent, ImportEventListener } from '../import/events.js';
import { formatBytes, formatInt } from './format.js';

export interface ProgressOutput {
  stream: NodeJS.WriteStream;
}

const PHASE_TEXT: Record<string, string> = {
  connecting: 'Connecting to the database',
  schema: 'Preparing the schema',
  locking: 'Taking the table lock',
  finishing: 'Recording the run',
};

export function createProgressReporter({ stream }: ProgressOutput): ImportEventListener & { stop(): void } {
  let spinner: Ora | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let currentTotal = 0;

  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };

  const listener = (event: ImportEvent): void => {
    switch (event.type) {
      case 'phase':
        if (event.phase === 'importing') return;
        spinner = ora({ text: PHASE_TEXT[event.phase] ?? event.phase, stream }).start();
        return;
      case 'phase-done':
        spinner?.succeed(
          event.detail ? `${PHASE_TEXT[event.phase] ?? event.phase}: ${event.detail}` : undefined,
        );
        spinner = undefined;
        return;
      case 'database':
        // The connecting spinner already named a server; the embedded default needs explaining.
        if (event.kind !== 'embedded') return;
        stream.write(
          `No database named (--db, DATABASE_URL, PGHOST): using the embedded PostgreSQL (PGlite) in ${event.dataDir}\n` +
            `  query it with: molimport query 'select source, count(*) from molecules group by 1'\n`,
        );
        return;
      case 'file-start':
        stopBar();
        currentTotal = event.totalBytes ?? 0;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format:
              ' {file} |{bar}| {percentage}% {done}/{size} | ETA {eta_formatted} | {read} read, {rate} mol/s | batch {batch} | rejects {rejected}',
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
            fps: 5,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(1, currentTotal), 0, {
          file: shortName(event.path),
          done: formatBytes(0),
          size: event.totalBytes === null ? '?' : formatBytes(event.totalBytes),
          read: '0',
          rate: '0',
          batch: '-',
          rejected: '0',
        });
        return;
      case 'progress':
        bar?.update(currentTotal > 0 ? Math.min(event.bytesRead, currentTotal) : 0, {
          done: formatBytes(event.bytesRead),
          read: formatInt(event.read),
          rate: formatInt(event.moleculesPerSecond),
          batch: String(event.batchSize),
          rejected: formatInt(event.rejected),
        });
        return;
      case 'file-end':
        if (bar && currentTotal > 0) bar.update(currentTotal);
        stopBar();
        return;
      case 'warning':
        stream.write(`warning: ${event.message}\n`);
        return;
      case 'done':
        stopBar();
        spinner?.stop();
        return;
    }
  };
  return Object.assign(listener, {
    stop(): void {
      stopBar();
      spinner?.stop();
    },
  });
}

function shortName(p: string): string {
  const base = p.split('/').pop() ?? p;
  return base.length > 28 ? base.slice(0, 27) + '…' : base;
}
