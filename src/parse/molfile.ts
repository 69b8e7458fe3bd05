/**
 * Checks the molfile block of one SDF record (pure, no chemistry): counts line, atom and bond line
 * counts, `M  END`. Problems are returned as strings for a reject, never thrown.
 */

export interface MolfileInfo {
  atomCount: number | undefined;
  bondCount: number | undefined;
  ctabVersion: 'V2000' | 'V3000' | undefined;
  /** Why the block is malformed, if it is. */
  problem: string | undefined;
}

/** Line iterator over `text[from, to)` with indexOf, no regex, no array of lines. */
class Lines {
  pos: number;
  constructor(
    private readonly text: string,
    from: number,
    private readonly to: number,
  ) {
    this.pos = from;
  }
  /** The next line (without LF), or undefined at the end. */
  next(): string | undefined {
    if (this.pos >= this.to) return undefined;
    let nl = this.text.indexOf('\n', this.pos);
    if (nl < 0 || nl > this.to) nl = this.to;
    const line = this.text.slice(this.pos, nl);
    this.pos = nl + 1;
    return line;
  }
}

/**
 * Parse a V2000 counts line `aaabbblllfffcccsssxxxrrrpppiiimmmvvvvvv`. Returns undefined when the
 * line is not a counts line.
 */
export function parseCountsLine(
  line: string,
): { atoms: number; bonds: number; version: 'V2000' | 'V3000' } | undefined {
  if (line.length < 6) return undefined;
  const version = line.includes('V3000') ? 'V3000' : 'V2000';
  const a = line.slice(0, 3).trim();
  const b = line.slice(3, 6).trim();
  if (!isDigits(a) || !isDigits(b)) return undefined;
  // Without a version tag (pre-1992 molfiles) accept only the classic fixed layout.
  if (!line.includes('V2000') && !line.includes('V3000') && !/^[ \d]{6}/.test(line)) return undefined;
  return { atoms: Number(a), bonds: Number(b), version };
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isPropertyLine(line: string): boolean {
  // `M  xxx`, `A  nnn`, `V  nnn`, `G  nnn`, `S  SKP`: a letter then two spaces.
  const c = line.charCodeAt(0);
  return c >= 65 && c <= 90 && line.charCodeAt(1) === 32 && line.charCodeAt(2) === 32;
}

function isAtomLine(line: string): boolean {
  // x, y, z in 10-wide columns with 4 decimals: a '.' at 5, 15 and 25 in the standard layout; accept
  // any line with a decimal point in the coordinate columns that is not a property line.
  if (line.length < 31 || isPropertyLine(line)) return false;
  const dot = line.indexOf('.');
  return dot >= 0 && dot < 30;
}

function isBondLine(line: string): boolean {
  if (line.length < 6 || isPropertyLine(line)) return false;
  const a = line.slice(0, 3).trim();
  const b = line.slice(3, 6).trim();
  return isDigits(a) && isDigits(b) && !line.includes('.');
}

/**
 * Check the molfile block `text[0, end)` (header through `M  END`). `hasEnd` says whether the caller
 * found an `M  END` line.
 */
export function checkMolfile(text: string, end: number, hasEnd: boolean): MolfileInfo {
  const lines = new Lines(text, 0, end);
  lines.next();
  lines.next();
  lines.next();
  const countsLine = lines.next();
  if (countsLine === undefined) {
    return {
      atomCount: undefined,
      bondCount: undefined,
      ctabVersion: undefined,
      problem: 'no counts line: the molfile header ends before line 4',
    };
  }
  const counts = parseCountsLine(countsLine);
  if (counts === undefined) {
    return {
      atomCount: undefined,
      bondCount: undefined,
      ctabVersion: undefined,
      problem: `no counts line: line 4 of the record is ${JSON.stringify(truncate(countsLine))}`,
    };
  }
  if (counts.version === 'V3000') return checkV3000(text, lines, end, hasEnd);

  const { atoms, bonds } = counts;
  const info: MolfileInfo = { atomCount: atoms, bondCount: bonds, ctabVersion: 'V2000', problem: undefined };
  // Hot path (every record): scan by position with charCodeAt, no substring per line.
  let pos = lines.pos;
  let atomLines = 0;
  while (atomLines < atoms && pos < end) {
    const nl = lineEnd(text, pos, end);
    if (!isAtomLineAt(text, pos, nl)) break;
    atomLines++;
    pos = nl + 1;
  }
  if (atomLines < atoms) {
    info.problem = `counts line says ${atoms} atoms but only ${atomLines} atom lines before the bond block`;
    return info;
  }
  let bondLines = 0;
  // The first '.' at or after the bond block, found once: a bond line has none, so testing each
  // line against it replaces a scan of every line.
  let dot = -1;
  while (bondLines < bonds && pos < end) {
    const nl = lineEnd(text, pos, end);
    if (dot < pos) {
      dot = text.indexOf('.', pos);
      if (dot < 0) dot = text.length;
    }
    if (dot < nl || !isBondLineAt(text, pos, nl)) break;
    bondLines++;
    pos = nl + 1;
  }
  if (bondLines < bonds) {
    info.problem = `counts line says ${bonds} bonds but only ${bondLines} bond lines before the property block`;
    return info;
  }
  lines.pos = pos;
  const after = lines.next();
  if (after !== undefined && !isPropertyLine(after)) {
    if (isAtomLine(after)) info.problem = `counts line says ${atoms} atoms but there are more atom lines`;
    else if (isBondLine(after))
      info.problem = `counts line says ${bonds} bonds but there are more bond lines`;
  }
  if (info.problem === undefined && !hasEnd) info.problem = 'no "M  END" line';
  return info;
}

function lineEnd(text: string, pos: number, end: number): number {
  const nl = text.indexOf('\n', pos);
  return nl < 0 || nl > end ? end : nl;
}

/** `isAtomLine` on text[start, stop) without making a substring. */
function isAtomLineAt(text: string, start: number, stop: number): boolean {
  if (stop - start < 31) return false;
  const c = text.charCodeAt(start);
  if (c >= 65 && c <= 90 && text.charCodeAt(start + 1) === 32 && text.charCodeAt(start + 2) === 32)
    return false;
  for (let i = start; i < start + 30; i++) if (text.charCodeAt(i) === 46) return true;
  return false;
}

/**
 * `isBondLine` on text[start, stop) without making a substring (every bond line of every record),
 * except the test for a '.', which the caller makes.
 */
function isBondLineAt(text: string, start: number, stop: number): boolean {
  if (stop - start < 6) return false;
  const c = text.charCodeAt(start);
  if (c >= 65 && c <= 90 && text.charCodeAt(start + 1) === 32 && text.charCodeAt(start + 2) === 32)
    return false;
  return isPaddedDigits(text, start, start + 3) && isPaddedDigits(text, start + 3, start + 6);
}

/** Whether text[from, to), trimmed as `String.prototype.trim` would, is one or more ASCII digits. */
function isPaddedDigits(text: string, from: number, to: number): boolean {
  while (from < to && isJsWhitespace(text.charCodeAt(from))) from++;
  while (to > from && isJsWhitespace(text.charCodeAt(to - 1))) to--;
  if (from === to) return false;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

/** The characters `trim()` removes: ECMAScript WhiteSpace and LineTerminator. */
function isJsWhitespace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function checkV3000(text: string, lines: Lines, end: number, hasEnd: boolean): MolfileInfo {
  const info: MolfileInfo = {
    atomCount: undefined,
    bondCount: undefined,
    ctabVersion: 'V3000',
    problem: undefined,
  };
  const block = text.slice(lines.pos, end);
  const countsAt = block.indexOf('M  V30 COUNTS ');
  if (countsAt < 0) {
    info.problem = 'V3000 molfile without an "M  V30 COUNTS" line';
    return info;
  }
  const countsEnd = block.indexOf('\n', countsAt);
  const parts = block
    .slice(countsAt + 14, countsEnd < 0 ? block.length : countsEnd)
    .trim()
    .split(/\s+/);
  const atoms = Number(parts[0]);
  const bonds = Number(parts[1]);
  if (!isDigits(parts[0] ?? '') || !isDigits(parts[1] ?? '')) {
    info.problem = `V3000 COUNTS line has no atom/bond counts`;
    return info;
  }
  info.atomCount = atoms;
  info.bondCount = bonds;
  const atomEntries = countV3000Entries(block, 'ATOM');
  if (atomEntries !== atoms && (atoms > 0 || atomEntries > 0)) {
    info.problem =
      atomEntries < 0
        ? `counts line says ${atoms} atoms but there is no complete atom block`
        : `counts line says ${atoms} atoms but the atom block has ${atomEntries} atom lines`;
    return info;
  }
  const bondEntries = countV3000Entries(block, 'BOND');
  if (bonds > 0 && bondEntries !== bonds) {
    info.problem =
      bondEntries < 0
        ? `counts line says ${bonds} bonds but there is no complete bond block`
        : `counts line says ${bonds} bonds but the bond block has ${bondEntries} bond lines`;
    return info;
  }
  if (!hasEnd) info.problem = 'no "M  END" line';
  return info;
}

/** Entries between `M  V30 BEGIN <kind>` and `M  V30 END <kind>` (continuation lines ending in `-` joined); -1 if absent. */
function countV3000Entries(block: string, kind: 'ATOM' | 'BOND'): number {
  const begin = block.indexOf(`M  V30 BEGIN ${kind}`);
  if (begin < 0) return -1;
  const stop = block.indexOf(`M  V30 END ${kind}`, begin);
  if (stop < 0) return -1;
  const lines = new Lines(block, block.indexOf('\n', begin) + 1, stop);
  let n = 0;
  let continued = false;
  let line: string | undefined;
  while ((line = lines.next()) !== undefined) {
    const trimmed = line.trimEnd();
    if (trimmed.length === 0) continue;
    if (!continued) n++;
    continued = trimmed.endsWith('-');
  }
  return n;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
