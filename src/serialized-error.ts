/**
 * An error as plain data, to cross a thread boundary: structured cloning keeps an error's message
 * but drops its own fields (`code` = SQLSTATE, `errno`, `detail`...), which `isTransient` predicates
 * and `toDatabaseError` read. Used by the engine's worker pool and the embedded database's thread.
 */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own primitive fields (`code`, `errno`, `detail`...). */
  fields: Record<string, string | number | boolean | null>;
}

/** The error's name, message, stack and own primitive fields (anything thrown becomes an Error). */
export function serializeError(thrown: unknown): SerializedError {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const fields: SerializedError['fields'] = {};
  for (const [key, value] of Object.entries(error as unknown as Record<string, unknown>)) {
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    )
      fields[key] = value;
  }
  const serialized: SerializedError = { name: error.name, message: error.message, fields };
  if (error.stack !== undefined) serialized.stack = error.stack;
  return serialized;
}

/** An Error on this side with the other side's error's name, message, stack and fields. */
export function deserializeError(data: SerializedError): Error {
  const error = new Error(data.message);
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  Object.assign(error, data.fields);
  return error;
}
