/**
 * The one logger interface of molimport: pino's method shape, so a pino logger can be passed as is,
 * but nothing here imports pino. Each layer takes this interface (or a `Pick` of the methods it
 * calls); the library is silent unless the caller injects one. It never receives row values,
 * molfiles or passwords.
 */
export interface Logger {
  debug(objOrMsg: object | string, msg?: string): void;
  info(objOrMsg: object | string, msg?: string): void;
  warn(objOrMsg: object | string, msg?: string): void;
  error(objOrMsg: object | string, msg?: string): void;
}

const noop = (): void => {};

/** A logger that drops everything: the library is silent by default. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
