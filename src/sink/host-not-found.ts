/**
 * A database host whose name does not resolve gets its own message and code, naming the host as
 * the user wrote it, instead of the resolver's `getaddrinfo ENOTFOUND …`: the fix is a typo in the
 * connection string, not a server to wait for.
 */
import { DatabaseError } from '../errors.js';

/** The resolver's codes for a name it cannot resolve: no such name; or no answer, even after retries. */
const NOT_RESOLVED: Record<string, string> = {
  ENOTFOUND: 'no such host',
  EAI_NONAME: 'no such host',
  EAI_AGAIN: 'the name server gave no answer, even after retries',
};

/**
 * A `DatabaseError` (`MOLIMPORT_DB_HOST`, exit 1) when `err` (or one of its causes) is a failed
 * host-name lookup; undefined otherwise. `target` is the password-free form of the connection.
 */
export function hostNotFoundError(err: unknown, target: string): DatabaseError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { code, hostname } = current as { code?: unknown; hostname?: unknown };
    const why = typeof code === 'string' ? NOT_RESOLVED[code] : undefined;
    if (why !== undefined) {
      const host = typeof hostname === 'string' && hostname !== '' ? hostname : hostOf(target);
      return new DatabaseError(
        `cannot connect to ${target}: host ${host === undefined ? '' : `"${host}" `}not found (${why}: ${code as string}); check the host name`,
        undefined,
        { code: 'MOLIMPORT_DB_HOST', cause: err },
      );
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The host of a `scheme://user@host:port/db` string, as written; undefined when there is none. */
function hostOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url);
  return m?.[1] || undefined;
}
