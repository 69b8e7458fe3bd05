/**
 * Which database to use, how to print it without secrets, and what a database error means.
 * SQLSTATE classification lives here and nowhere else.
 */
import path from 'node:path';
import { DatabaseError, errorMessage } from '../errors.js';
import { redactConnectionString, secretsOf } from './connection-string.js';

/** Where the embedded database keeps its files when no other directory is given. */
export const DEFAULT_EMBEDDED_DATA_DIR = path.join('.molimport', 'pgdata');

/** Which database an import writes to, as {@link resolveTarget} chose it: a server, or the embedded one. */
export type ResolvedTarget =
  | {
      kind: 'postgres';
      /** Undefined when the `PG*` variables configure the connection (pg reads them itself). */
      connectionString: string | undefined;
      /** Safe to print. */
      display: string;
      /** Where the choice came from. */
      origin: 'option' | 'DATABASE_URL' | 'PG*';
      /** Secrets to scrub from any message (the password). */
      secrets: string[];
    }
  | { kind: 'embedded'; dataDir: string; display: string; origin: 'embedded'; secrets: string[] };

/**
 * Resolve the target: an explicit URL, else `DATABASE_URL`, else the `PG*` variables when `PGHOST`
 * or `PGDATABASE` is set, else the embedded database in `embeddedDataDir`.
 */
export function resolveTarget(
  options: { url?: string | undefined; env?: NodeJS.ProcessEnv; embeddedDataDir?: string | undefined } = {},
): ResolvedTarget {
  const env = options.env ?? process.env;
  const explicit = nonEmpty(options.url);
  const fromEnv = nonEmpty(env.DATABASE_URL);
  const url = explicit ?? fromEnv;
  if (url !== undefined) {
    return {
      kind: 'postgres',
      connectionString: url,
      display: redactUrl(url),
      origin: explicit !== undefined ? 'option' : 'DATABASE_URL',
      secrets: passwordsIn(url),
    };
  }
  if (nonEmpty(env.PGHOST) !== undefined || nonEmpty(env.PGDATABASE) !== undefined) {
    const user = env.PGUSER ?? env.USER ?? '';
    const host = env.PGHOST ?? 'localhost';
    const port = env.PGPORT ?? '5432';
    const database = env.PGDATABASE ?? user;
    const hostPart = host.startsWith('/') ? `[socket ${host}]` : host;
    return {
      kind: 'postgres',
      connectionString: undefined,
      display: `postgres://${user ? `${encodeURIComponent(user)}@` : ''}${hostPart}:${port}/${encodeURIComponent(database)}`,
      origin: 'PG*',
      secrets: nonEmpty(env.PGPASSWORD) !== undefined ? [env.PGPASSWORD as string] : [],
    };
  }
  const dataDir = path.resolve(options.embeddedDataDir ?? DEFAULT_EMBEDDED_DATA_DIR);
  return { kind: 'embedded', dataDir, display: `embedded:${dataDir}`, origin: 'embedded', secrets: [] };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

const KEYWORD_PASSWORD = /\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;]*)/gi;
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i;

/**
 * A connection string without its password, safe for messages, logs and stats. Handles URLs
 * (`postgres://user:secret@host/db`, `?password=` and `?sslpassword=` parameters) and the keyword
 * form (`host=x password=secret`), by parsing them: only the secret is replaced. Never throws; a
 * string that cannot be parsed is redacted conservatively.
 */
export function redactUrl(url: string): string {
  const parsed = redactConnectionString(url);
  if (parsed !== undefined) return parsed;
  let out = url.replace(URL_USERINFO, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
  out = out.replace(KEYWORD_PASSWORD, (_all, key: string) => `${key}***`);
  return out;
}

/** The passwords a connection string carries (decoded and raw), to scrub from error messages. */
export function passwordsIn(url: string): string[] {
  return secretsOf(url);
}

/** Replace every occurrence of the secrets in `text`, and any URL userinfo password, by `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/gi, '$1:***@')
    .replace(KEYWORD_PASSWORD, '$1***');
}

/** What a caller should do with a failed database operation. */
export type DbErrorClass =
  /** Retry later (connection lost, server restarting, serialization failure, deadlock). */
  | 'transient'
  /** The data was refused (bad value, constraint, trigger): split the batch to isolate the records. */
  | 'data'
  /** Neither: configuration, permissions, schema or a bug. Retrying or splitting will not help. */
  | 'fatal';

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

const TRANSIENT_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'terminating connection',
  'the database system is starting up',
  'the database system is shutting down',
  'Client was closed and is not queryable',
];

/**
 * Classify an error from pg, PGlite or this layer. The single place SQLSTATE codes are mapped:
 * transient = ECONNRESET/ECONNREFUSED/EPIPE/ETIMEDOUT, "Connection terminated", 08xxx, 57P01,
 * 57P02, 57P03, 53300, 40001, 40P01; data = 22xxx (bad value, e.g. a NUL byte), 23xxx (constraint),
 * 21000 (cardinality), 54xxx (a value too large for an index), P0001 (raised by a trigger);
 * everything else (42xxx schema/syntax, 28xxx auth, 3D000 unknown database, ...) is fatal.
 */
export function classifyDbError(err: unknown): DbErrorClass {
  for (const e of causeChain(err)) {
    const code = codeOf(e);
    if (code !== undefined) {
      if (TRANSIENT_CODES.has(code) || code.startsWith('08')) return 'transient';
      if (/^(22|23|54)[0-9A-Z]{3}$/.test(code) || code === '21000' || code === 'P0001') return 'data';
      if (/^[0-9A-Z]{5}$/.test(code)) return 'fatal';
    }
    const message = e instanceof Error ? e.message : undefined;
    if (message !== undefined && TRANSIENT_MESSAGES.some((m) => message.includes(m))) return 'transient';
  }
  return 'fatal';
}

/** True for errors worth retrying on a fresh connection after a backoff. */
export function isTransientDbError(err: unknown): boolean {
  return classifyDbError(err) === 'transient';
}

/** True for errors caused by the rows themselves: the batch should be split to isolate them. */
export function isDataDbError(err: unknown): boolean {
  return classifyDbError(err) === 'data';
}

/** The SQLSTATE (or Node errno code) of an error or the first cause that has one. */
export function sqlStateOf(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    if (e instanceof DatabaseError && e.sqlState !== undefined) return e.sqlState;
    const code = codeOf(e);
    if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

function codeOf(e: unknown): string | undefined {
  if (e instanceof DatabaseError && e.sqlState !== undefined) return e.sqlState;
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = e.code;
    if (typeof code === 'string' && !code.startsWith('MOLIMPORT_')) return code;
  }
  return undefined;
}

function* causeChain(err: unknown): Generator<unknown> {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    yield current;
    if (current instanceof AggregateError) for (const inner of current.errors) yield inner;
    current = current instanceof Error ? current.cause : undefined;
  }
}

/**
 * Wrap any error from a driver as a `DatabaseError`: PostgreSQL's own message (so a rejected
 * record carries it as its reason), its SQLSTATE, secrets scrubbed. An error that is already a
 * `DatabaseError` is returned as is. The cause is kept only when its message holds no secret.
 */
export function toDatabaseError(
  err: unknown,
  secrets: readonly string[] = [],
  context?: string,
): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const raw = errorMessage(err) || (codeOf(err) ?? 'unknown database error');
  const message = scrubSecrets(context !== undefined ? `${context}: ${raw}` : raw, secrets);
  const leaks = containsSecret(err, secrets);
  const code = codeOf(err);
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const wrapped = new DatabaseError(message, sqlState, leaks ? undefined : { cause: err });
  if (leaks && code !== undefined) {
    // keep the classification without keeping the object that holds the secret
    (wrapped as DatabaseError & { errno?: string }).errno = code;
    Object.defineProperty(wrapped, 'cause', { value: { code }, enumerable: false });
  }
  return wrapped;
}

function containsSecret(
  value: unknown,
  secrets: readonly string[],
  depth = 0,
  seen = new WeakSet<object>(),
): boolean {
  if (secrets.length === 0) return false;
  if (typeof value === 'string') return secrets.some((s) => value.includes(s));
  if (typeof value !== 'object' || value === null || depth > 4 || seen.has(value)) return false;
  seen.add(value);
  const keys = new Set<string>(Object.getOwnPropertyNames(value));
  if (value instanceof Error) ['message', 'stack', 'cause'].forEach((k) => keys.add(k));
  for (const key of keys) {
    let inner: unknown;
    try {
      inner = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (containsSecret(inner, secrets, depth + 1, seen)) return true;
  }
  return false;
}
