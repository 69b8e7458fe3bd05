/** Without a terminal: every event becomes one structured log line (pino JSON on stderr or --log-file). */
import type { ImportEvent, ImportEventListener } from '../import/events.js';

export interface EventLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Progress events are throttled: cron logs want a heartbeat, not a line per batch. */
export function createEventLogger(logger: EventLogger, progressEveryMs = 10_000): ImportEventListener {
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
      case 'done': {
        const { files: _files, batchSizeEvolution: _evolution, ...summary } = event.stats;
        // A failed run is an error (cron runs with --log-level error must show it), an interrupted one a warning.
        const status = event.stats.status;
        const level = status === 'failed' ? 'error' : status === 'interrupted' ? 'warn' : 'info';
        const why = event.stats.error !== null ? `: ${event.stats.error}` : '';
        logger[level]({ event: 'done', ...summary }, `import ${status}${status === 'completed' ? '' : why}`);
        return;
      }
      default: {
        const { type, ...rest } = event;
        logger.info({ event: type, ...rest }, type);
      }
    }
  };
}
