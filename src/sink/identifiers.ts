/** SQL identifiers: validated against a strict pattern, then always double-quoted. */
import { ConfigurationError } from '../errors.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A molecules table and the schema it lives in. */
export interface TableTarget {
  /** @default 'public' */
  schema: string;
  /** @default 'molecules' */
  table: string;
}

export const DEFAULT_TARGET: Readonly<TableTarget> = Object.freeze({ schema: 'public', table: 'molecules' });

/** Throw a `ConfigurationError` unless `name` is a plain identifier (letters, digits, `_`, ≤ 63). */
export function validateIdentifier(name: unknown, what = 'identifier'): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    const shown =
      typeof name === 'string'
        ? JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)
        : String(name);
    throw new ConfigurationError(
      `invalid ${what} ${shown}: expected 1-63 characters, letters, digits and underscores, not starting with a digit (pattern ${IDENTIFIER.source})`,
    );
  }
  return name;
}

/** Validate, then double-quote (case is preserved). */
export function quoteIdent(name: string, what?: string): string {
  return `"${validateIdentifier(name, what)}"`;
}

/** `"schema"."table"` after validating both parts. */
export function qualifiedName(target: TableTarget, table: string = target.table): string {
  return `${quoteIdent(target.schema, 'schema name')}.${quoteIdent(table, 'table name')}`;
}

/** Validate a target and fill defaults. */
export function resolveTableTarget(
  target: Partial<TableTarget> | string | undefined,
  defaultSchema = 'public',
): TableTarget {
  if (typeof target === 'string') {
    const parts = target.split('.');
    if (parts.length > 2)
      throw new ConfigurationError(
        `invalid table ${JSON.stringify(target)}: expected "table" or "schema.table"`,
      );
    const [first = '', second] = parts;
    return second === undefined
      ? {
          schema: validateIdentifier(defaultSchema, 'schema name'),
          table: validateIdentifier(first, 'table name'),
        }
      : { schema: validateIdentifier(first, 'schema name'), table: validateIdentifier(second, 'table name') };
  }
  return {
    schema: validateIdentifier(target?.schema ?? defaultSchema, 'schema name'),
    table: validateIdentifier(target?.table ?? DEFAULT_TARGET.table, 'table name'),
  };
}

/** A derived object name (index, constraint) that stays within PostgreSQL's 63-byte limit. */
export function derivedName(base: string, suffix: string): string {
  const room = 63 - suffix.length - 1;
  return validateIdentifier(`${base.slice(0, room)}_${suffix}`);
}

/**
 * Refuse PostgreSQL's own schemas as places to write: `information_schema` and every `pg_*`
 * (`pg_catalog`, `pg_toast`, `pg_temp_*`...). Throws `ConfigurationError`.
 */
export function assertWritableSchema(schema: string, what = 'schema'): string {
  if (schema === 'information_schema' || schema.toLowerCase().startsWith('pg_'))
    throw new ConfigurationError(
      `${what} ${JSON.stringify(schema)} is a PostgreSQL system schema: molimport does not write there; choose another schema`,
    );
  return schema;
}
