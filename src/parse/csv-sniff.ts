/**
 * Pure sniffing of a delimited text's dialect from its first lines: delimiter, whether the first row
 * is a header, and synthetic column names for headerless files.
 */

export type Delimiter = ',' | '\t' | ';' | ' ';
/** In order of preference when several split every line consistently. */
const CANDIDATES: readonly Delimiter[] = ['\t', ';', ',', ' '];

/**
 * Non-blank lines from the start of `text`. Unless `complete` (the text is the whole input), the last
 * element, a partial line, is dropped.
 */
export function firstLines(text: string, max = 20, complete = false): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (!complete && lines.length > 1) lines.pop();
  return lines.filter((l) => l.trim().length > 0).slice(0, max);
}

/** Count `delimiter` outside double quotes. */
function countOutsideQuotes(line: string, delimiter: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === delimiter) n++;
  }
  return n;
}

/**
 * The delimiter that splits every sampled line into the same number (> 0) of fields, preferring tab,
 * then semicolon, comma, space; else the one with the most occurrences; else comma.
 */
export function sniffDelimiter(lines: readonly string[]): Delimiter {
  if (lines.length === 0) return ',';
  let best: Delimiter | undefined;
  let bestTotal = 0;
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => countOutsideQuotes(d === ' ' ? l.trim() : l, d));
    const first = counts[0] ?? 0;
    if (first > 0 && counts.every((c) => c === first)) return d;
    const total = counts.reduce((a, b) => a + b, 0);
    if (total > bestTotal) {
      best = d;
      bestTotal = total;
    }
  }
  return best ?? ',';
}

/** Column names that mark a header row (lower case). */
const KNOWN_COLUMNS = new Set([
  'id',
  'cid',
  'name',
  'smiles',
  'canonical_smiles',
  'canonicalsmiles',
  'isomericsmiles',
  'inchi',
  'inchikey',
  'standard_inchi',
  'standard_inchi_key',
  'chembl_id',
  'chembl id',
  'chemblid',
  'molecule_chembl_id',
  'compound_chembl_id',
  'molregno',
  'pubchem_compound_cid',
  'title',
  'molecularformula',
  'molecularweight',
]);

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const COMPOUND_ID = /^(?:CID[_ ]?\d+|CHEMBL\d+)$/i;
/** SMILES alphabet, with at least one character a plain word rarely has. */
const SMILES = /^[A-Za-z0-9@+\-[\]()=#\\/%.:*$~]+$/;
const SMILES_MARK = /[[\]()=#@\\/]|[cnos]\d/;

export function looksLikeSmiles(cell: string): boolean {
  return cell.length > 0 && SMILES.test(cell) && SMILES_MARK.test(cell) && !COMPOUND_ID.test(cell);
}

/** A cell that is a column name molimport knows (any case). */
export function isKnownColumn(cell: string): boolean {
  return KNOWN_COLUMNS.has(cell.trim().toLowerCase());
}

/** A cell that is a value rather than a name: a number, a compound ID or a SMILES. */
export function looksLikeData(cell: string): boolean {
  const t = cell.trim();
  return NUMBER.test(t) || COMPOUND_ID.test(t) || looksLikeSmiles(t);
}

/**
 * Whether the first row is a header: yes if any cell is a known column name; no if any cell is a
 * number, a compound ID (`CID_123`, `CHEMBL25`) or a SMILES; else yes.
 */
export function hasHeaderRow(firstRow: readonly string[]): boolean {
  if (firstRow.some((c) => KNOWN_COLUMNS.has(c.trim().toLowerCase()))) return true;
  if (firstRow.some((c) => looksLikeData(c))) return false;
  return true;
}

/**
 * Names for a headerless file: a two-column ID/SMILES list gets `id` and `smiles` (whichever order the
 * file uses; the ID being a number such as a PubChem CID or a `CID_123` / `CHEMBL25` token); anything
 * else `column1..N`.
 */
export function syntheticColumns(firstRow: readonly string[]): string[] {
  if (firstRow.length === 2) {
    const [a = '', b = ''] = firstRow.map((c) => c.trim());
    const isId = (s: string): boolean => /^\d+$/.test(s) || COMPOUND_ID.test(s);
    if (isId(a) && looksLikeSmiles(b)) return ['id', 'smiles'];
    if (looksLikeSmiles(a) && isId(b)) return ['smiles', 'id'];
  }
  return firstRow.map((_, i) => `column${i + 1}`);
}

/** Header cells made usable as keys: trimmed, empty → `columnN`, duplicates → `name_2`. */
export function normaliseHeader(cells: readonly string[]): string[] {
  const seen = new Set<string>();
  return cells.map((cell, i) => {
    let name = cell.trim();
    if (name.length === 0) name = `column${i + 1}`;
    let unique = name;
    for (let n = 2; seen.has(unique); n++) unique = `${name}_${n}`;
    seen.add(unique);
    return unique;
  });
}
