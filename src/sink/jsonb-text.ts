/**
 * PostgreSQL's jsonb text output, reproduced: keys ordered by UTF-8 length, then bytewise; `", "`
 * and `": "` separators; strings escaped as JSON.stringify escapes them, which for UTF-8 text is
 * what PostgreSQL's escape_json does. The re-import digest hashes this form (row-digest.ts), and
 * packed rows store their properties in it, so their bytes are the digest's input as they are.
 */

/** What JSON.stringify escapes in a string (lone surrogates included). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Whether a string needs escaping in JSON (else it prints as itself between quotes). */
export function needsEscape(value: string): boolean {
  return NEEDS_ESCAPE.test(value);
}

/**
 * PostgreSQL's jsonb text output of `value` as molimport would store it (JSON.stringify), or
 * undefined for anything but strings, finite numbers, booleans, null, arrays and plain objects.
 */
export function jsonbText(value: unknown): string | undefined {
  if (typeof value === 'string') return needsEscape(value) ? JSON.stringify(value) : `"${value}"`;
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : undefined;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = jsonbText(value[i]);
      if (item === undefined) return undefined;
      out += i === 0 ? item : `, ${item}`;
    }
    return `${out}]`;
  }
  if (!isPlainObject(value)) return undefined;
  const { sorted, quoted } = keyOrder(Object.keys(value));
  let out = '{';
  let first = true;
  for (let i = 0; i < sorted.length; i++) {
    const v = value[sorted[i] as string];
    // JSON.stringify drops undefined members; so does this.
    if (v === undefined) continue;
    const item = jsonbText(v);
    if (item === undefined) return undefined;
    out += first ? quoted[i] + item : `, ${quoted[i] as string}${item}`;
    first = false;
  }
  return `${out}}`;
}

/** An object whose members are all strings, in jsonb order (see {@link stringMembers}). */
export interface StringMembers {
  /** The UTF-8 of `"key": `, and of `, "key": ` after the first, one per member. */
  readonly prefixes: readonly Buffer[];
  /** The members' values, in the same order. */
  readonly values: readonly string[];
  /** At most this many bytes print the object (each UTF-16 unit of a value takes ≤ 6 escaped). */
  readonly bytes: number;
}

/** Reused: {@link stringMembers} runs once per packed row and its answer is used at once. */
const members = { prefixes: [] as readonly Buffer[], values: [] as string[], bytes: 0 };

/**
 * `value`'s members in jsonb order when it is a plain object of strings only (the properties of
 * an SDF or CSV record), for an encoder that prints them straight into its buffer; else undefined.
 * The answer is valid until the next call.
 */
export function stringMembers(value: unknown): StringMembers | undefined {
  if (!isPlainObject(value)) return undefined;
  const order = keyOrder(Object.keys(value));
  const { sorted } = order;
  const values = members.values;
  values.length = sorted.length;
  let bytes = order.prefixBytes + 2;
  for (let i = 0; i < sorted.length; i++) {
    const v = value[sorted[i] as string];
    if (typeof v !== 'string') return undefined;
    values[i] = v;
    bytes += v.length * 6 + 2;
  }
  members.prefixes = order.prefixes;
  members.bytes = bytes;
  return members;
}

/**
 * {@link stringMembers} of the object the members of `fields` not named in `except` would make,
 * without making it (packed-rows.ts, packColumns). The answer is valid until the next call.
 */
export function fieldMembers(fields: ReadonlyMap<string, string>, except: readonly string[]): StringMembers {
  const keys: string[] = [];
  for (const key of fields.keys()) if (!except.includes(key)) keys.push(key);
  const order = keyOrder(keys);
  const { sorted } = order;
  const values = members.values;
  values.length = sorted.length;
  let bytes = order.prefixBytes + 2;
  for (let i = 0; i < sorted.length; i++) {
    const v = fields.get(sorted[i] as string) as string;
    values[i] = v;
    bytes += v.length * 6 + 2;
  }
  members.prefixes = order.prefixes;
  members.bytes = bytes;
  return members;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

interface KeyOrder {
  sorted: string[];
  /** `"key": ` per key. */
  quoted: string[];
  prefixes: Buffer[];
  prefixBytes: number;
}

/**
 * The keys in jsonb order, with their printed forms. The rows of one file have a few key lists
 * (PubChem's 200,000 records: 15, changing every fourth record), so the last few answers are kept:
 * sorting per row was half the digest's cost.
 */
const KEPT_ORDERS = 32;
const orders: { keys: readonly string[]; order: KeyOrder }[] = [];
function keyOrder(keys: string[]): KeyOrder {
  for (let i = 0; i < orders.length; i++) {
    const kept = orders[i] as { keys: readonly string[]; order: KeyOrder };
    if (sameKeys(kept.keys, keys)) {
      // Most recent first: consecutive records mostly share their list.
      if (i > 0) {
        orders.splice(i, 1);
        orders.unshift(kept);
      }
      return kept.order;
    }
  }
  const sorted = keys.slice().sort(jsonbKeyOrder);
  const quoted = sorted.map((k) => `${JSON.stringify(k)}: `);
  const prefixes = quoted.map((q, i) => Buffer.from(i === 0 ? q : `, ${q}`));
  const order = { sorted, quoted, prefixes, prefixBytes: prefixes.reduce((n, b) => n + b.length, 0) };
  orders.unshift({ keys, order });
  if (orders.length > KEPT_ORDERS) orders.pop();
  return order;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** jsonb's key order: shorter UTF-8 first, then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  if (la !== lb) return la - lb;
  // UTF-16 order is UTF-8 byte order except around surrogates: compare bytes for non-ASCII keys.
  if (la !== a.length || lb !== b.length) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
