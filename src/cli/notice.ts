/**
 * Lines the CLI itself writes on stderr (usage errors, fatal errors, signal notices). At a terminal
 * they are text; without one they are pino-shaped JSON objects, so a log collector reading stderr
 * sees one JSON object per line and nothing else.
 */

import { wrapText } from '../report/wrap.js';

/** pino's numeric levels, so these lines sort and filter with the logger's own. */
export const LEVEL_NUMBER = { info: 30, warn: 40, error: 50 } as const;
export type NoticeLevel = keyof typeof LEVEL_NUMBER;

export interface NoticeStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Writes one notice: `molimport: <message>` at a terminal, one JSON line otherwise. */
export function writeNotice(
  stderr: NoticeStream,
  level: NoticeLevel,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  if (stderr.isTTY) {
    const width = stderr.columns ? stderr.columns : Infinity;
    stderr.write(wrapText(`molimport: ${message}`, width).join('\n') + '\n');
    return;
  }
  stderr.write(
    JSON.stringify({
      level: LEVEL_NUMBER[level],
      time: Date.now(),
      pid: process.pid,
      ...fields,
      msg: message,
    }) + '\n',
  );
}
