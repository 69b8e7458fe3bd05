/**
 * The engine's only view of logging: pino's method shape, so a pino logger can be passed as is,
 * but nothing here imports pino. Silent unless the caller injects one.
 */
export interface EngineLogger {
  debug(objOrMsg: object | string, msg?: string): void;
  info(objOrMsg: object | string, msg?: string): void;
  warn(objOrMsg: object | string, msg?: string): void;
  error(objOrMsg: object | string, msg?: string): void;
}

const noop = (): void => {};

/** A logger that drops everything: the library is silent by default. */
export const silentLogger: EngineLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
