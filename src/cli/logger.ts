/**
 * The CLI's pino logger: JSON lines on stderr, or in --log-file; at a terminal with `-q`, the same
 * lines as text (`molimport: warning: …`). The library itself never logs unless given one.
 */
import { pino, type Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export function createCliLogger(opts: {
  level: LogLevel;
  logFile?: string;
  stderr: NodeJS.WritableStream;
  /** Write text lines for a person instead of JSON (stderr only). */
  text?: boolean;
}): {
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
  const stderr = opts.stderr;
  const dest = opts.text ? { write: (line: string) => void stderr.write(toText(line)) } : stderr;
  const logger = pino({ level: opts.level, base: { pid: process.pid } }, dest);
  return { logger, flush: () => undefined };
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warning',
  50: 'error',
  60: 'fatal',
};
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err', 'event']);

/** One pino JSON line as `molimport: warning: msg: err (key=value, …)`. */
export function toText(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVEL_NAMES[o.level as number] ?? String(o.level);
  const err = typeof o.err === 'string' ? `: ${o.err}` : '';
  const extra = Object.entries(o)
    .filter(([k, v]) => !HIDDEN.has(k) && (typeof v === 'number' || typeof v === 'string'))
    .map(([k, v]) => `${k}=${String(v)}`);
  return `molimport: ${level}: ${String(o.msg ?? '')}${err}${extra.length ? ` (${extra.join(', ')})` : ''}\n`;
}
