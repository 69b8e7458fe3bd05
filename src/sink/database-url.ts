/**
 * Refuse a connection string that cannot be what the user meant, before connecting: pg reads any
 * `scheme://` as PostgreSQL (so `postgress://…` used to work by accident, and `mysql://…` tried port
 * 5432) and a bare word as a path on a host called `base`. The forms pg really supports stay
 * accepted: `postgres://` and `postgresql://` URLs, `socket:/dir?db=name`, and a socket directory
 * followed by a database name (`/var/run/postgresql mydb`). libpq keyword strings (`host=… dbname=…`)
 * are let through untouched: reading them is the connection layer's business.
 */
import { closestName } from '../did-you-mean.js';
import { ConfigurationError } from '../errors.js';
import { redactUrl } from './connection.js';

/** The form shown in every refusal. */
export const EXPECTED_DATABASE_URL = 'postgres://user@host:5432/db';

const SCHEMES = ['postgres', 'postgresql'];

/**
 * What is wrong with `s` as a connection string, or undefined when pg can read it as meant.
 * Pure; never includes the string itself (it may hold a password).
 */
export function connectionStringProblem(s: string): string | undefined {
  const text = s.trim();
  if (text === '') return 'it is empty';
  if (text.startsWith('/')) return undefined;
  if (/^[a-z_][a-z0-9_]*\s*=/i.test(text)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1];
  if (scheme === undefined) return 'it is not a URL (no postgres:// at the start)';
  const lower = scheme.toLowerCase();
  if (lower === 'socket') return undefined;
  if (/^[^:/]+:\d+(?:[/?]|$)/.test(text)) return 'it starts with a host and port, not with postgres://';
  if (!SCHEMES.includes(lower)) {
    const near = closestName(lower, SCHEMES);
    return `unsupported scheme "${scheme}:"${near === undefined ? '' : ` (did you mean "${near}://"?)`}`;
  }
  if (!text.slice(scheme.length + 1).startsWith('//')) return `"${scheme}:" is not followed by //`;
  return parsesAsPg(text) ? undefined : 'it is not a valid URL';
}

/** pg-connection-string's own parse: spaces encoded, and an empty host (`user@/db`) allowed. */
function parsesAsPg(text: string): boolean {
  const encoded = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(text)
    ? encodeURI(text).replace(/%25(\d\d)/g, '%$1')
    : text;
  for (const candidate of [encoded, encoded.replace('@/', '@___DUMMY___/')]) {
    try {
      new URL(candidate);
      return true;
    } catch {
      // try the next form
    }
  }
  return false;
}

/**
 * Throw `ConfigurationError` (code `MOLIMPORT_DB_URL`, exit 2) when `value` is not a usable
 * connection string; `label` names where it came from (`--db`, `database`, `DATABASE_URL`).
 */
export function checkConnectionString(value: string, label: string): void {
  const problem = connectionStringProblem(value);
  if (problem === undefined) return;
  const shown = value.trim() === '' ? '' : ` "${redactUrl(value)}"`;
  throw new ConfigurationError(
    `${label}${shown} is not a PostgreSQL connection URL: ${problem}; expected ${EXPECTED_DATABASE_URL}`,
    { code: 'MOLIMPORT_DB_URL' },
  );
}
