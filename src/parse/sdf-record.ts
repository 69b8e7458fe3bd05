/**
 * Interpret the text of one SDF record (pure): molfile block, title, data fields. Values stay the
 * exact strings written (sdf-parser's default `dynamicTyping` would turn "007" into 7; we never do).
 */
import type { SdfRecord } from '../types.js';
import { checkMolfile } from './molfile.js';

/** The interpreted part of an `SdfRecord` (its origin and raw text are added by the reader). */
export type ParsedSdfRecord = Pick<
  SdfRecord,
  'molfile' | 'title' | 'fields' | 'fieldsFrom' | 'atomCount' | 'ctabVersion' | 'problem'
>;

const M_END = 'M  END';

/**
 * Index just past the first `M  END` line, or -1 when the record has none. Searched as `M  END`,
 * then checked for a line start: `\nM  END` stops at every line break of the atom block on its
 * way (3.4 against 0.6 µs per PubChem record).
 */
function findMEnd(text: string): number {
  let i = text.indexOf(M_END);
  while (i > 0 && text.charCodeAt(i - 1) !== 10) i = text.indexOf(M_END, i + 1);
  if (i < 0) return -1;
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl + 1;
}

/**
 * The line end of the header found by the last {@link findHeader} (-1: the record's last line),
 * and the `<` on it: a module variable rather than an object per header, as in the transform.
 */
let headerNl = -1;
let headerLt = -1;

/**
 * Start of the first data header line (`>` at a line start, then `<` on the same line) at or after
 * `from`, or -1. Searched as `>`, then checked for a line start: a record's lines mostly start
 * with something else, so `\n>` would stop at every line break.
 */
function findHeader(text: string, from: number): number {
  for (let i = text.indexOf('>', from); i >= 0; i = text.indexOf('>', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) !== 10) continue;
    const nl = text.indexOf('\n', i);
    const lt = text.indexOf('<', i);
    if (lt >= 0 && (nl < 0 || lt < nl)) {
      headerNl = nl;
      headerLt = lt;
      return i;
    }
  }
  return -1;
}

/**
 * The field name in a header line: `> <name>`, `>  <name>  (123)`, `> 25 <name>`, `> <name> (MFCD…)`,
 * `>  <ID> `. The name runs from the first `<` to the first `>` after which only whitespace or a
 * parenthesised registry number follows (so `<IC50 > 10>` keeps its inner `>`).
 */
export function headerName(line: string): string {
  const lt = line.indexOf('<');
  if (lt < 0) return line.slice(1).trim();
  let gt = line.indexOf('>', lt + 1);
  const first = gt;
  while (gt >= 0) {
    const rest = line.slice(gt + 1).trim();
    if (rest.length === 0 || rest.charCodeAt(0) === 40 /* ( */) return line.slice(lt + 1, gt);
    gt = line.indexOf('>', gt + 1);
  }
  return first >= 0 ? line.slice(lt + 1, first) : line.slice(lt + 1).trim();
}

/**
 * `headerName` of the header line text[start, end) without slicing the line: the common
 * `> <name>` form (optionally followed by blanks or a parenthesised number) is read in place; any
 * other line goes to `headerName`.
 */
function headerNameAt(text: string, start: number, end: number, lt: number, position: number): string {
  const gt = text.indexOf('>', lt + 1);
  if (gt >= 0 && gt < end) {
    let i = gt + 1;
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i === end || text.charCodeAt(i) === 40 /* ( */) return knownName(text, lt + 1, gt, position);
  }
  return headerName(text.slice(start, end));
}

/**
 * The field names of the previous records, by position. Records of one file mostly repeat the
 * same fields in the same order, so the n-th name is usually the string already seen: reusing it
 * makes no new string per field, and the records' maps, property objects and JSON share keys whose
 * hashes are already computed.
 */
const recentNames: (string | undefined)[] = [];
const RECENT_NAMES = 256;

/** text[from, to) as a name: the cached string at `position` when equal, else a new one (cached). */
function knownName(text: string, from: number, to: number, position: number): string {
  const cached = position < RECENT_NAMES ? recentNames[position] : undefined;
  if (cached !== undefined && cached.length === to - from && text.startsWith(cached, from)) return cached;
  const name = text.slice(from, to);
  if (position >= RECENT_NAMES) return name;
  // A flat copy for the cache: a slice would keep the whole input chunk it was cut from alive.
  const flat = JSON.parse(JSON.stringify(name)) as string;
  recentNames[position] = flat;
  return flat;
}

/**
 * Parse one record's text (LF endings, no `$$$$` line). Duplicate field names are kept, the second
 * as `name#2`, the third `name#3`, … (never merged, never dropped). Without `withFields`, the data
 * fields are left in the text: `fields` is empty and `fieldsFrom` says where they start.
 */
export function parseSdfRecord(text: string, withFields = true): ParsedSdfRecord {
  const nl0 = text.indexOf('\n');
  const title = nl0 < 0 ? text : text.slice(0, nl0);

  let molEnd = findMEnd(text);
  const hasEnd = molEnd >= 0;
  if (!hasEnd) {
    // No `M  END`: the molfile runs to the first data header after the 4-line header, else to the end.
    let afterHeader = 0;
    for (let k = 0; k < 4 && afterHeader >= 0; k++) {
      const nl = text.indexOf('\n', afterHeader);
      afterHeader = nl < 0 ? -1 : nl + 1;
    }
    const h = afterHeader < 0 ? -1 : findHeader(text, afterHeader);
    molEnd = h < 0 ? text.length : h;
  }
  const molfile = text.slice(0, molEnd);
  const info = checkMolfile(text, molEnd, hasEnd);
  if (!withFields) {
    return {
      molfile,
      title,
      fields: new Map(),
      fieldsFrom: molEnd,
      atomCount: info.atomCount,
      ctabVersion: info.ctabVersion,
      problem: info.problem,
    };
  }
  const fields = parseDataFields(text, molEnd);
  return {
    molfile,
    title,
    fields,
    atomCount: info.atomCount,
    ctabVersion: info.ctabVersion,
    problem: info.problem,
  };
}

/** Data items after the molfile: a header line, value lines up to the next header; trailing blank lines dropped. */
export function parseDataFields(text: string, from: number): Map<string, string> {
  const fields = new Map<string, string>();
  let h = findHeader(text, from);
  for (let position = 0; h >= 0; position++) {
    const nl = headerNl;
    const headerEnd = nl < 0 ? text.length : nl;
    const name = headerNameAt(text, h, headerEnd, headerLt, position);
    const valueStart = nl < 0 ? text.length : nl + 1;
    const next = valueStart >= text.length ? -1 : findHeader(text, valueStart);
    addField(fields, name, valueBefore(text, valueStart, next));
    h = next;
  }
  return fields;
}

/**
 * `parseDataFields(text, from).get(name)` without the map: the value of the first field named
 * exactly `name` (the one that keeps the plain name), or undefined. Stops at that field, so a
 * record's ID, mostly its first field, costs one header or two.
 */
export function firstFieldValue(text: string, from: number, name: string): string | undefined {
  let h = findHeader(text, from);
  for (let position = 0; h >= 0; position++) {
    const nl = headerNl;
    const found = headerNameAt(text, h, nl < 0 ? text.length : nl, headerLt, position) === name;
    const valueStart = nl < 0 ? text.length : nl + 1;
    const next = valueStart >= text.length ? -1 : findHeader(text, valueStart);
    if (found) return valueBefore(text, valueStart, next);
    h = next;
  }
  return undefined;
}

/** The value from `start` to the next header (`next`, -1: the end), less the blank separator line(s) and its final line ending; inner blank lines stay. */
function valueBefore(text: string, start: number, next: number): string {
  let end = next < 0 ? text.length : next;
  while (end > start && text.charCodeAt(end - 1) === 10) end--;
  return end > start ? text.slice(start, end) : '';
}

function addField(fields: Map<string, string>, name: string, value: string): void {
  if (!fields.has(name)) {
    fields.set(name, value);
    return;
  }
  let n = 2;
  while (fields.has(`${name}#${n}`)) n++;
  fields.set(`${name}#${n}`, value);
}
