/** The write mode: what happens when an incoming row's key is already stored. Checked here only. */
import { ConfigurationError } from '../errors.js';

/**
 * What happens when a row's key (for molecules: `(source, external_id)`) is already stored:
 * - `upsert` merges: a column the incoming record has a value for is written, one it has no value
 *   for (null) keeps the stored value; `properties` merge key by key, the incoming value winning.
 * - `replace` overwrites the whole row with the incoming one (a source lacking a column erases it).
 * - `skip` keeps the stored row; `insert` makes the conflict an error (a reject).
 */
export type WriteMode = 'insert' | 'upsert' | 'replace' | 'skip';

/** Every {@link WriteMode}, in the order messages list them. */
export const WRITE_MODES: readonly WriteMode[] = Object.freeze(['insert', 'upsert', 'replace', 'skip']);

/** The modes that overwrite a stored row's columns. */
export type OverwritingWriteMode = Extract<WriteMode, 'upsert' | 'replace'>;

/**
 * `value` as a {@link WriteMode}, or `fallback` when it is undefined. Throws `ConfigurationError`
 * naming the expected modes and what was received otherwise.
 */
export function parseWriteMode(value: unknown, fallback: WriteMode): WriteMode {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (WRITE_MODES as readonly string[]).includes(value))
    return value as WriteMode;
  throw new ConfigurationError(`invalid mode ${JSON.stringify(value)}: expected ${WRITE_MODES.join(', ')}`);
}
