/**
 * One base error with a stable `code` and the process exit code it maps to, and subclasses named
 * for what a caller acts on. Only `cli/` turns these into `process.exit`.
 *
 * | class                | code                    | exitCode |
 * | -------------------- | ----------------------- | -------- |
 * | `UsageError`         | `MOLIMPORT_USAGE`       | 2        |
 * | `ConfigurationError` | `MOLIMPORT_CONFIG`      | 2        |
 * | `InputError`         | `MOLIMPORT_INPUT`       | 1        |
 * | `OutputError`        | `MOLIMPORT_OUTPUT`      | 1        |
 * | `ParseError`         | `MOLIMPORT_PARSE`       | 1        |
 * | `DatabaseError`      | `MOLIMPORT_DATABASE`    | 1        |
 * | `TableLockedError`   | `MOLIMPORT_LOCKED`      | 1        |
 * | `LockLostError`      | `MOLIMPORT_LOCK_LOST`   | 1        |
 * | `ResumeError`        | `MOLIMPORT_RESUME`      | 1        |
 * | `ChemistryError`     | `MOLIMPORT_CHEMISTRY`   | 1        |
 * | `ErrorLimitError`    | `MOLIMPORT_ERROR_LIMIT` | 3        |
 * | `DeleteGuardError`   | `MOLIMPORT_DELETE_GUARD`| 3        |
 * | `InterruptedError`   | `MOLIMPORT_INTERRUPTED` | 130      |
 * | `LeaseLostError`     | `MOLIMPORT_LEASE_LOST`  | 1        |
 * | `MolimportError`     | `MOLIMPORT_INTERNAL`    | 1        |
 * | (CLI, not an error)  | `MOLIMPORT_ERROR`       | 1        |
 *
 * Some situations a caller acts on differently get a code of their own within their class (same
 * exit code): see {@link ConfigurationErrorCode}, {@link InputErrorCode}, {@link DatabaseErrorCode}.
 *
 * A bad record is never one of these: it becomes a reject, counted in the stats.
 */

/** Codes of `ConfigurationError`: the general one and the situations named apart. */
export type ConfigurationErrorCode =
  | 'MOLIMPORT_CONFIG'
  /** `runImport` got an option key it does not know (a typo such as `db` for `database`). */
  | 'MOLIMPORT_UNKNOWN_OPTION'
  /** `--db` / `database` / `DATABASE_URL` is not a postgres:// or postgresql:// URL. */
  | 'MOLIMPORT_DB_URL'
  /** The target schema does not exist and `--create-schema` / `createSchema` was not given. */
  | 'MOLIMPORT_SCHEMA_MISSING';

/** Codes of `InputError`: the general one and the situations named apart. */
export type InputErrorCode =
  | 'MOLIMPORT_INPUT'
  /** An input path is a directory. */
  | 'MOLIMPORT_INPUT_DIRECTORY'
  /** An input file exists but cannot be opened for reading (permission denied). */
  | 'MOLIMPORT_INPUT_UNREADABLE'
  /** An input is text but neither SDF nor CSV/TSV. */
  | 'MOLIMPORT_INPUT_FORMAT';

/** Codes of `DatabaseError`: the general one and the situations named apart. */
export type DatabaseErrorCode =
  | 'MOLIMPORT_DATABASE'
  /** The database host's name does not resolve (DNS). */
  | 'MOLIMPORT_DB_HOST'
  /** `query`, `runs` or `overlap` found no embedded database to read (and none was named). */
  | 'MOLIMPORT_NO_DATABASE';

/** The stable, namespaced identifier of each error class; safe to switch on. */
export type ErrorCode =
  | 'MOLIMPORT_USAGE'
  | ConfigurationErrorCode
  | InputErrorCode
  | 'MOLIMPORT_OUTPUT'
  | 'MOLIMPORT_PARSE'
  | DatabaseErrorCode
  | 'MOLIMPORT_ERROR_LIMIT'
  | 'MOLIMPORT_INTERRUPTED'
  | 'MOLIMPORT_LOCKED'
  | 'MOLIMPORT_LOCK_LOST'
  | 'MOLIMPORT_RESUME'
  | 'MOLIMPORT_CHEMISTRY'
  | 'MOLIMPORT_DELETE_GUARD'
  | 'MOLIMPORT_LEASE_LOST'
  /** An unexpected failure inside a run (a bug): the run's stats carry it, with exit 1, rather than a crash. */
  | 'MOLIMPORT_INTERNAL'
  /**
   * The CLI's code for a thrown value that is not a `MolimportError` (a bug outside a run): printed
   * with exit 1. No error object carries it; it appears only in the CLI's JSON failure and log line.
   */
  | 'MOLIMPORT_ERROR';

/** Exit code of a completed run. */
export const EXIT_OK = 0;
/** Exit code of a run stopped by an input, parse, database, lock, resume or chemistry error. */
export const EXIT_FATAL = 1;
/** Exit code of bad usage or configuration: nothing was read or written. */
export const EXIT_USAGE = 2;
/** Exit code of a run stopped by `--max-errors` / `--max-error-rate`. */
export const EXIT_ERROR_LIMIT = 3;
/** Exit code of a run stopped by SIGINT/SIGTERM (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/**
 * Base class of every error molimport throws on purpose. Test with `instanceof MolimportError`,
 * then switch on {@link MolimportError.code}; `exitCode` is what the command exits with.
 * `cause` carries the underlying error (e.g. the `pg` error) when there is one.
 */
export class MolimportError extends Error {
  /** Stable identifier, e.g. `'MOLIMPORT_DATABASE'`; never changes between versions. */
  readonly code: ErrorCode;
  /** The command's exit status for this error: 1, 2, 3 or 130. */
  readonly exitCode: number;
  constructor(message: string, code: ErrorCode, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/**
 * Bad command-line usage or option values (code `MOLIMPORT_USAGE`, exit 2). Nothing was read or
 * written; fix the command line.
 */
export class UsageError extends MolimportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_USAGE', EXIT_USAGE, options);
  }
}

/**
 * Invalid programmatic configuration: a library caller's options are out of range or of the wrong
 * type (code `MOLIMPORT_CONFIG`, exit 2). Thrown at once, from constructors and `open()`, with the
 * expected and the received value in the message; also when a table or column does not exist.
 */
export class ConfigurationError extends MolimportError {
  declare readonly code: ConfigurationErrorCode;
  constructor(message: string, options?: { cause?: unknown; code?: ConfigurationErrorCode }) {
    super(message, options?.code ?? 'MOLIMPORT_CONFIG', EXIT_USAGE, causeOnly(options));
  }
}

/**
 * An input that cannot be read at all: missing, unreadable, truncated gzip, binary (code
 * `MOLIMPORT_INPUT`, exit 1). Records committed before it stay; `--resume` continues.
 */
export class InputError extends MolimportError {
  declare readonly code: InputErrorCode;
  /** The input path as given. */
  readonly file: string;
  /** Where in the (decompressed) input reading failed, when known. */
  readonly byteOffset: number | undefined;
  constructor(
    message: string,
    file: string,
    byteOffset?: number,
    options?: { cause?: unknown; code?: InputErrorCode },
  ) {
    super(message, options?.code ?? 'MOLIMPORT_INPUT', EXIT_FATAL, causeOnly(options));
    this.file = file;
    this.byteOffset = byteOffset;
  }
}

/**
 * A file molimport writes cannot be written or flushed to disk: the rejects file's directory is
 * missing or read-only, the disk is full (code `MOLIMPORT_OUTPUT`, exit 1). The batch whose rejects
 * could not be made durable is not committed, so `--resume` writes them once the file can be.
 */
export class OutputError extends MolimportError {
  /** The file that could not be written. */
  readonly file: string;
  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_OUTPUT', EXIT_FATAL, options);
    this.file = file;
  }
}

/**
 * A structural parse failure that cannot be reduced to one rejected record, e.g. a CSV file whose
 * header cannot be read (code `MOLIMPORT_PARSE`, exit 1). A malformed record is a reject instead.
 */
export class ParseError extends MolimportError {
  /** The input path as given. */
  readonly file: string;
  /** 1-based line where parsing failed, when known. */
  readonly line: number | undefined;
  constructor(message: string, file: string, line?: number, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_PARSE', EXIT_FATAL, options);
    this.file = file;
    this.line = line;
  }
}

/**
 * The database refused a statement, or could not be reached after the bounded retries (code
 * `MOLIMPORT_DATABASE`, exit 1). The message never contains a password; `cause` is the driver's
 * error.
 */
export class DatabaseError extends MolimportError {
  declare readonly code: DatabaseErrorCode;
  /** SQLSTATE when PostgreSQL gave one (e.g. `'23505'`, `'42P01'`); undefined for connection failures. */
  readonly sqlState: string | undefined;
  constructor(message: string, sqlState?: string, options?: { cause?: unknown; code?: DatabaseErrorCode }) {
    super(message, options?.code ?? 'MOLIMPORT_DATABASE', EXIT_FATAL, causeOnly(options));
    this.sqlState = sqlState;
  }
}

/**
 * Another run holds the target table's advisory lock and the caller chose not to wait (code
 * `MOLIMPORT_LOCKED`, exit 1). Retry later, or pass `waitLock: true` / `--wait-lock` to queue.
 */
export class TableLockedError extends MolimportError {
  /** The locked table, as `schema.table`. */
  readonly table: string;
  constructor(table: string) {
    super(
      `another molimport run is writing to ${table} (advisory lock held); wait for it to finish, or pass --wait-lock to queue behind it`,
      'MOLIMPORT_LOCKED',
      EXIT_FATAL,
    );
    this.table = table;
  }
}

/**
 * The table lock's connection dropped during the run (server restart, terminated backend) and
 * another run took the lock before this one could take it again (code `MOLIMPORT_LOCK_LOST`,
 * exit 1). No batch of this run committed after the other run took the lock; committed batches
 * stay, and `--resume` continues once the other run is done.
 */
export class LockLostError extends MolimportError {
  /** The table, as `schema.table`. */
  readonly table: string;
  constructor(table: string) {
    super(
      `lost the advisory lock on ${table} (its connection ended) and another molimport run holds it now; stopped so that two runs never write it at once (resume with --resume when that run is done)`,
      'MOLIMPORT_LOCK_LOST',
      EXIT_FATAL,
    );
    this.table = table;
  }
}

/**
 * `--resume` refused (code `MOLIMPORT_RESUME`, exit 1): the inputs changed since the run being
 * resumed (size or fingerprint), other files were given, or the input is standard input.
 */
export class ResumeError extends MolimportError {
  constructor(message: string) {
    super(message, 'MOLIMPORT_RESUME', EXIT_FATAL);
  }
}

/**
 * The chemistry toolkit itself is unusable: the RDKit WASM module fails to load, or its workers
 * cannot start (code `MOLIMPORT_CHEMISTRY`, exit 1). A bad molecule is never this: it becomes a
 * reject or a warning.
 */
export class ChemistryError extends MolimportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_CHEMISTRY', EXIT_FATAL, options);
  }
}

/**
 * More records were rejected than `maxErrors` / `maxErrorRate` allow (code
 * `MOLIMPORT_ERROR_LIMIT`, exit 3). Batches committed before the limit was reached stay.
 */
export class ErrorLimitError extends MolimportError {
  constructor(message: string) {
    super(message, 'MOLIMPORT_ERROR_LIMIT', EXIT_ERROR_LIMIT);
  }
}

/**
 * `--sync` (or `delete`) would remove more than `--max-delete-fraction` of the source's rows
 * (code `MOLIMPORT_DELETE_GUARD`, exit 3). Nothing was deleted; the rows the run imported stay.
 * `details` holds the counts the guard saw.
 */
export class DeleteGuardError extends MolimportError {
  readonly details: unknown;
  constructor(message: string, details?: unknown) {
    super(message, 'MOLIMPORT_DELETE_GUARD', EXIT_ERROR_LIMIT);
    this.details = details;
  }
}

/**
 * Ctrl-C, SIGTERM or the caller's `AbortSignal` stopped the run after in-flight batches settled
 * (code `MOLIMPORT_INTERRUPTED`, exit 130). Committed batches stay; `--resume` continues.
 */
export class InterruptedError extends MolimportError {
  constructor(message = 'interrupted') {
    super(message, 'MOLIMPORT_INTERRUPTED', EXIT_INTERRUPTED);
  }
}

/**
 * A fleet worker's job was taken over by another worker (its lease expired, e.g. while it was cut
 * off or paused): the batch that found out rolled back and the worker writes nothing more for that
 * job (code `MOLIMPORT_LEASE_LOST`, exit 1).
 */
export class LeaseLostError extends MolimportError {
  constructor(message: string) {
    super(message, 'MOLIMPORT_LEASE_LOST', EXIT_FATAL);
  }
}

/** `{ cause }` when one was given: `Error` records an own `cause` property even when it is undefined. */
function causeOnly(options: { cause?: unknown } | undefined): { cause?: unknown } | undefined {
  return options !== undefined && 'cause' in options ? { cause: options.cause } : undefined;
}

/** The message of an `Error`, or the value as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
