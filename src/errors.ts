/**
 * One base error with a stable `code` and the process exit code it maps to, and subclasses named
 * for what a caller acts on. Only `cli/` turns these into `process.exit`.
 */
export type ErrorCode =
  | 'MOLIMPORT_USAGE'
  | 'MOLIMPORT_CONFIG'
  | 'MOLIMPORT_INPUT'
  | 'MOLIMPORT_PARSE'
  | 'MOLIMPORT_DATABASE'
  | 'MOLIMPORT_ERROR_LIMIT'
  | 'MOLIMPORT_INTERRUPTED'
  | 'MOLIMPORT_LOCKED'
  | 'MOLIMPORT_RESUME'
  | 'MOLIMPORT_CHEMISTRY';

export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_ERROR_LIMIT = 3;
export const EXIT_INTERRUPTED = 130;

export class MolimportError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(message: string, code: ErrorCode, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage or option values (exit 2). */
export class UsageError extends MolimportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_USAGE', EXIT_USAGE, options);
  }
}

/** Invalid programmatic configuration (a library caller's options; exit 2 from the CLI). */
export class ConfigurationError extends MolimportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_CONFIG', EXIT_USAGE, options);
  }
}

/** An input that cannot be read at all: missing, unreadable, truncated gzip, binary (exit 1). */
export class InputError extends MolimportError {
  readonly file: string;
  readonly byteOffset: number | undefined;
  constructor(message: string, file: string, byteOffset?: number, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_INPUT', 1, options);
    this.file = file;
    this.byteOffset = byteOffset;
  }
}

/** A structural parse failure that cannot be reduced to one rejected record (exit 1). */
export class ParseError extends MolimportError {
  readonly file: string;
  readonly line: number | undefined;
  constructor(message: string, file: string, line?: number, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_PARSE', 1, options);
    this.file = file;
    this.line = line;
  }
}

/** The database refused or could not be reached after retries (exit 1). */
export class DatabaseError extends MolimportError {
  /** SQLSTATE when PostgreSQL gave one. */
  readonly sqlState: string | undefined;
  constructor(message: string, sqlState?: string, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_DATABASE', 1, options);
    this.sqlState = sqlState;
  }
}

/** `--max-errors` / `--max-error-rate` exceeded (exit 3). */
export class ErrorLimitError extends MolimportError {
  constructor(message: string) {
    super(message, 'MOLIMPORT_ERROR_LIMIT', EXIT_ERROR_LIMIT);
  }
}

/** Ctrl-C or SIGTERM stopped the run after in-flight batches settled (exit 130). */
export class InterruptedError extends MolimportError {
  constructor(message = 'interrupted') {
    super(message, 'MOLIMPORT_INTERRUPTED', EXIT_INTERRUPTED);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
