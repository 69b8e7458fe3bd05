/** The logging the sink needs: pino-compatible, silent by default. Never pass row values or passwords. */
export interface SinkLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

const noop = (): void => undefined;

export const SILENT_LOGGER: SinkLogger = { debug: noop, info: noop, warn: noop };
