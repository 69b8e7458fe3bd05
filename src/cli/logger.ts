/**
 * The CLI's pino logger: JSON lines on stderr, or in --log-file; at a terminal with `-q`, the same
 * lines as text (`molimport: warning: …`). The library itself never logs unless given one.
 */
import { pino, type Logger } from 'pino';
import { wrapText } from '../report/wrap.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export function createCliLogger(opts: {
  level: LogLevel;
  logFile?: string;
  stderr: NodeJS.WritableStream;
  /** Write text lines for a person instead of JSON (stderr only). */
  text?: boolean;
}): {
  logger: Logger;
  flush: () => void;
} {
  if (opts.logFile) {
    const dest = pino.destination({ dest: opts.logFile, sync: true, mkdir: true, append: true });
    return {
      logger: pino({ level: opts.level, base: { pid: process.pid } }, dest),
      flush: () => dest.flushSync(),
    };
  }
  const stderr = opts.stderr as NodeJS.WritableStream & { columns?: number };
  const dest = opts.text
    ? {
        write: (line: string) =>
          void stderr.write(wrapText(toText(line), stderr.columns || Infinity).join('\n') + '\n'),
      }
    : stderr;
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
const RETRY = new Set(['operation', 'attempt', 'maxRetries', 'delayMs']);

/**
 * One pino JSON line as one line of text, without its newline: `molimport: warning: msg: err
 * (key=value, …)`; a retry reads `molimport: warning: <error> (retry 2 of 6 in 0.3 s)`.
 */
/** pino's `msg` (a string whenever there is one). */
function messageOf(o: Record<string, unknown>): string {
  return typeof o.msg === 'string' ? o.msg : o.msg === undefined ? '' : JSON.stringify(o.msg);
}

export function toText(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const level = LEVEL_NAMES[o.level as number] ?? String(o.level);
  const err = typeof o.err === 'string' ? o.err : undefined;
  if (typeof o.attempt === 'number' && typeof o.maxRetries === 'number' && typeof o.delayMs === 'number') {
    const when = `retry ${o.attempt} of ${o.maxRetries} in ${(o.delayMs / 1000).toFixed(1)} s`;
    return `molimport: ${level}: ${err ?? messageOf(o)} (${when})`;
  }
  const extra = Object.entries(o)
    .filter(([k, v]) => !HIDDEN.has(k) && !RETRY.has(k) && (typeof v === 'number' || typeof v === 'string'))
    .map(([k, v]) => `${k}=${String(v)}`);
  const msg = messageOf(o) + (err ? `: ${err}` : '');
  return `molimport: ${level}: ${msg}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}
