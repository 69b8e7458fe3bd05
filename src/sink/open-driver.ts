/**
 * Opening a driver: which database the options name (a `pg.Pool` given, a URL or the `PG*`
 * variables, or the embedded PGlite), and the passwords that must never appear in a message.
 * Connects nothing yet: `DatabaseOperations.open` checks the connection, with retry.
 */
import { ConfigurationError } from '../errors.js';
import { redactUrl, resolveTarget, type ResolvedTarget } from './connection.js';
import type { SqlDriver } from './driver.js';
import type { SinkLogger } from './logger.js';
import { checkMaxConnections, type DatabaseOperationsOptions } from './options.js';
import { PgDriver } from './pg-driver.js';

/** An opened driver and the secrets (passwords) to scrub from anything it says. */
export interface OpenedDriver {
  driver: SqlDriver;
  secrets: readonly string[];
}

/**
 * The driver `options` name. Throws `ConfigurationError` when more than one of `connectionString`,
 * `pool` and `embedded` is given or `maxConnections` is out of range (1–100); `DatabaseError` /
 * `ConfigurationError` from `resolveTarget` for a connection string it cannot use.
 */
export async function openDriver(
  options: DatabaseOperationsOptions,
  logger: SinkLogger,
): Promise<OpenedDriver> {
  const maxConnections = checkMaxConnections(options.maxConnections);
  const chosen = [
    options.connectionString !== undefined,
    options.pool !== undefined,
    options.embedded !== undefined,
  ].filter(Boolean);
  if (chosen.length > 1)
    throw new ConfigurationError('give at most one of connectionString, pool and embedded');

  if (options.pool !== undefined) {
    const o = options.pool.options;
    const display =
      o.connectionString !== undefined
        ? redactUrl(o.connectionString)
        : `postgres://${o.user ?? ''}@${o.host ?? 'localhost'}:${o.port ?? 5432}/${o.database ?? ''}`;
    const secrets = typeof o.password === 'string' && o.password !== '' ? [o.password] : [];
    return { driver: new PgDriver({ pool: options.pool, display, secrets, logger }), secrets };
  }
  const target: ResolvedTarget =
    options.embedded !== undefined
      ? resolveTarget({
          env: {},
          embeddedDataDir: options.embedded === true ? undefined : options.embedded.dataDir,
        })
      : resolveTarget({ url: options.connectionString, env: options.env ?? process.env });
  const secrets = target.secrets;
  const driver =
    target.kind === 'embedded'
      ? // Loaded only for the embedded database: a PostgreSQL user's process never loads PGlite.
        await (
          await import('./pglite-driver.js')
        ).PgliteDriver.open(target.dataDir, {
          thread: options.embedded === true ? undefined : options.embedded?.thread,
        })
      : new PgDriver({
          connectionString: target.connectionString,
          display: target.display,
          secrets,
          maxConnections,
          connectionTimeoutMs: options.connectionTimeoutMs,
          logger,
        });
  return { driver, secrets };
}
