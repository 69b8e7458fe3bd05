/** The CLI's pino logger: JSON lines on stderr, or in --log-file. The library itself never logs unless given one. */
import { pino, type Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export function createCliLogger(opts: { level: LogLevel; logFile?: string; stderr: NodeJS.WritableStream }): {
  logger: Logger;
  flush(): void;
} {
  if (opts.logFile) {
    const dest = pino.destination({ dest: opts.logFile, sync: true, mkdir: true, append: true });
    return {
      logger: pino({ level: opts.level, base: { pid: process.pid } }, dest),
      flush: () => dest.flushSync(),
    };
  }
  const logger = pino({ level: opts.level, base: { pid: process.pid } }, opts.stderr);
  return { logger, flush: () => undefined };
}
