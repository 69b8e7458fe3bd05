/** Without a terminal: every event becomes one structured log line (pino JSON on stderr or --log-file). */
import { EXIT_ERROR_LIMIT } from '../errors.js';
import type { ImportEvent, ImportEventListener } from '../import/events.js';
import type { Logger } from '../logger.js';
import { highRejectShareWarning } from './reject-share.js';

/** The methods of the one {@link Logger} that event logging calls. */
export type EventLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Progress events are throttled: cron logs want a heartbeat, not a line per batch. */
export function createEventLogger(
  logger: EventLogger,
  { progressEveryMs = 10_000, done = true }: { progressEveryMs?: number; done?: boolean } = {},
): ImportEventListener {
  let lastProgress = 0;
  return (event: ImportEvent) => {
    switch (event.type) {
      case 'progress': {
        const now = Date.now();
        if (now - lastProgress < progressEveryMs) return;
        lastProgress = now;
        const { type: _type, ...rest } = event;
        logger.info({ event: 'progress', ...rest }, 'progress');
        return;
      }
      case 'warning':
        logger.warn({ event: 'warning' }, event.message);
        return;
      case 'retry':
        // The database layer logs each retry itself (warn, with attempt, maxRetries and delayMs).
        return;
      case 'done': {
        // At a terminal the table on stdout reports the end; the caller turns this line off.
        if (!done) return;
        const { files: _files, batchSizeEvolution: _evolution, ...summary } = event.stats;
        const msg = event.stats.error
          ? `import ${event.stats.status}: ${event.stats.error}`
          : `import ${event.stats.status}`;
        logger[doneLevel(event.stats)]({ event: 'done', ...summary }, msg);
        const warning = highRejectShareWarning(event.stats);
        if (warning)
          logger.warn({ event: 'warning', rejected: event.stats.rejected, read: event.stats.read }, warning);
        return;
      }
      default: {
        const { type, ...rest } = event;
        logger.info({ event: type, ...rest }, type);
      }
    }
  };
}

/**
 * A completed run is `info`; one stopped on purpose (interrupted, or the error threshold it was
 * given) is `warn`; any other failure is `error`, so alerting on `error` catches what needs a person.
 */
export function doneLevel(stats: { status: string; exitCode: number }): 'info' | 'warn' | 'error' {
  if (stats.status === 'completed') return 'info';
  if (stats.status === 'interrupted' || stats.exitCode === EXIT_ERROR_LIMIT) return 'warn';
  return 'error';
}
