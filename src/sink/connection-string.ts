/**
 * Connection strings, parsed rather than searched: a URL (`postgres://user:secret@host/db?...`) or
 * libpq's keyword form (`host=db port=5432 dbname=chem password='a b'`). The password is found and
 * dropped by structure, so redacting never rewrites anything else (a password of `2000` or `test`
 * must not touch a port, a count or a database name), and keyword strings can be connected to
 * (pg itself only reads URLs).
 */
import { ConfigurationError } from '../errors.js';

/** Query parameters and keywords that carry a secret. */
const SECRET_KEYS = new Set(['password', 'sslpassword']);
const REDACTED = '***';

/** True for libpq's keyword form: no `scheme://` prefix and at least one `key=value`. */
export function isKeywordConnectionString(s: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(s.trim()) && /^\s*[a-z_]+\s*=/i.test(s);
}

/** One `key = value` of a keyword string, with where its value stands in the text. */
interface KeywordEntry {
  key: string;
  value: string;
  /** The value's raw text span (quotes included). */
  start: number;
  end: number;
}

/**
 * libpq's keyword/value syntax: `key = value` pairs separated by whitespace; a value may be
 * single-quoted, and `\` escapes the next character (in quotes and out). Throws
 * `ConfigurationError` on a malformed string (the message names the keyword, never a value).
 */
export function parseKeywordConnectionString(s: string): Map<string, string> {
  return new Map(scanKeywords(s).map((e) => [e.key, e.value]));
}

function scanKeywords(s: string): KeywordEntry[] {
  const out: KeywordEntry[] = [];
  let i = 0;
  const n = s.length;
  const skipSpace = (): void => {
    while (i < n && /\s/.test(s[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= n) return out;
    const keyStart = i;
    while (i < n && /[A-Za-z0-9_]/.test(s[i]!)) i++;
    const key = s.slice(keyStart, i);
    skipSpace();
    if (key === '' || s[i] !== '=')
      throw new ConfigurationError(
        `connection string: expected "keyword = value" at character ${keyStart + 1}${key ? ` (after "${key}")` : ''}`,
      );
    i++;
    skipSpace();
    const start = i;
    let value = '';
    if (s[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) throw new ConfigurationError(`connection string: unterminated quoted value for "${key}"`);
        const c = s[i++]!;
        if (c === "'") break;
        if (c === '\\' && i < n) value += s[i++];
        else value += c;
      }
    } else {
      while (i < n && !/\s/.test(s[i]!)) {
        const c = s[i++]!;
        if (c === '\\' && i < n) value += s[i++];
        else value += c;
      }
    }
    out.push({ key: key.toLowerCase(), value, start, end: i });
  }
}

/** The keyword string as written, each secret value replaced by `***`. */
function redactKeywords(s: string): string {
  let out = '';
  let at = 0;
  for (const e of scanKeywords(s)) {
    if (!SECRET_KEYS.has(e.key)) continue;
    out += s.slice(at, e.start) + REDACTED;
    at = e.end;
  }
  return out + s.slice(at);
}

/**
 * The connection string without its secrets: the URL's userinfo password and its `password` /
 * `sslpassword` parameters, or the keyword form's `password` / `sslpassword` values, become `***`;
 * nothing else changes. `undefined` when the string cannot be parsed.
 */
export function redactConnectionString(s: string): string | undefined {
  if (isKeywordConnectionString(s)) {
    try {
      return redactKeywords(s);
    } catch {
      return undefined;
    }
  }
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(s);
  if (!m) return undefined;
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  // The userinfo ends at the last '@' of the authority (a raw '@' in a password is not encoded by everyone).
  const at = authority.lastIndexOf('@');
  let shownAuthority = authority;
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon !== -1) shownAuthority = `${userinfo.slice(0, colon)}:${REDACTED}${authority.slice(at)}`;
  }
  return scheme + shownAuthority + redactQuery(rest);
}

function redactQuery(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  if (q === -1) return pathAndQuery;
  const hash = pathAndQuery.indexOf('#', q);
  const query = pathAndQuery.slice(q + 1, hash === -1 ? undefined : hash);
  const shown = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      return eq !== -1 && SECRET_KEYS.has(safeDecode(key).toLowerCase()) ? `${key}=${REDACTED}` : pair;
    })
    .join('&');
  return pathAndQuery.slice(0, q + 1) + shown + (hash === -1 ? '' : pathAndQuery.slice(hash));
}

/** The secrets a connection string carries, raw and decoded (to scrub from driver messages). */
export function secretsOf(s: string): string[] {
  const found = new Set<string>();
  if (isKeywordConnectionString(s)) {
    try {
      for (const [k, v] of parseKeywordConnectionString(s)) if (SECRET_KEYS.has(k)) found.add(v);
    } catch {
      // unparseable: it cannot be connected to either
    }
  } else {
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/is.exec(s);
    if (m) {
      const authority = m[1]!;
      const at = authority.lastIndexOf('@');
      const userinfo = at === -1 ? '' : authority.slice(0, at);
      const colon = userinfo.indexOf(':');
      if (colon !== -1) found.add(userinfo.slice(colon + 1));
      const rest = m[2]!;
      const q = rest.indexOf('?');
      if (q !== -1) {
        for (const pair of rest
          .slice(q + 1)
          .split('#')[0]!
          .split('&')) {
          const eq = pair.indexOf('=');
          if (eq !== -1 && SECRET_KEYS.has(safeDecode(pair.slice(0, eq)).toLowerCase()))
            found.add(pair.slice(eq + 1));
        }
      }
    }
  }
  for (const secret of [...found]) found.add(safeDecode(secret));
  return [...found].filter((x) => x.length > 0);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** What `pg` needs for a keyword connection string (it parses URLs itself). */
export interface KeywordPgConfig {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  application_name?: string;
  options?: string;
  connectionTimeoutMillis?: number;
  ssl?: boolean | { rejectUnauthorized: boolean };
}

/**
 * The pg client settings for a keyword connection string. The keywords libpq users write most
 * are understood; any other is refused by name rather than silently ignored.
 */
export function keywordPgConfig(s: string): KeywordPgConfig {
  const cfg: KeywordPgConfig = {};
  for (const [key, value] of parseKeywordConnectionString(s)) {
    switch (key) {
      case 'host':
      case 'hostaddr':
        cfg.host = value;
        break;
      case 'port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 1 || port > 65_535)
          throw new ConfigurationError(
            `connection string: port must be 1-65535, got ${JSON.stringify(value)}`,
          );
        cfg.port = port;
        break;
      }
      case 'user':
        cfg.user = value;
        break;
      case 'password':
        cfg.password = value;
        break;
      case 'dbname':
        cfg.database = value;
        break;
      case 'application_name':
        cfg.application_name = value;
        break;
      case 'options':
        cfg.options = value;
        break;
      case 'connect_timeout': {
        const seconds = Number(value);
        if (!Number.isFinite(seconds) || seconds < 0)
          throw new ConfigurationError(
            `connection string: connect_timeout must be seconds ≥ 0, got ${JSON.stringify(value)}`,
          );
        if (seconds > 0) cfg.connectionTimeoutMillis = seconds * 1000;
        break;
      }
      case 'sslmode':
        if (value === 'disable') cfg.ssl = false;
        else if (value === 'require' || value === 'prefer' || value === 'allow')
          cfg.ssl = { rejectUnauthorized: false };
        else if (value === 'verify-ca' || value === 'verify-full') cfg.ssl = { rejectUnauthorized: true };
        else throw new ConfigurationError(`connection string: unknown sslmode ${JSON.stringify(value)}`);
        break;
      default:
        throw new ConfigurationError(
          `connection string: keyword "${key}" is not supported (use host, hostaddr, port, dbname, user, password, sslmode, connect_timeout, application_name, options, or a postgres:// URL)`,
        );
    }
  }
  return cfg;
}
