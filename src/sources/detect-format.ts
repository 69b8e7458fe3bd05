import { firstLines, isKnownColumn, looksLikeData } from '../parse/csv-sniff.js';
import type { InputFormat } from '../types.js';

/**
 * Decide SDF vs delimited text from the first decoded text of a file (pure). SDF when a line starts
 * with `$$$$` or `M  END`, or a line looks like a V2000/V3000 counts line; otherwise CSV/TSV. With no
 * content at all, the file name decides (`.sdf`, `.sd`, `.mol`, `.sdf.gz` …), defaulting to 'csv'.
 */
export function detectFormat(firstText: string, path: string): InputFormat {
  const text = firstText.length > 65_536 ? firstText.slice(0, 65_536) : firstText;
  if (/^(?:\$\$\$\$|M {2}END)/m.test(text)) return 'sdf';
  if (/^[ \d]{6}.*V[23]000\s*$/m.test(text)) return 'sdf';
  if (text.trim().length === 0) return /\.(?:sdf|sd|mol)(?:\.gz)?$/i.test(path) ? 'sdf' : 'csv';
  return 'csv';
}

/**
 * For text that is not SDF: its first line when the text is not delimited data either, else
 * undefined (pure). Not delimited means: no tab, comma or semicolon in the first lines, no column
 * name molimport knows in the first line, no value that looks like data (a number, a compound ID, a
 * SMILES), and words that do not split every line into the same number of columns (or one line
 * only). Prose, a log or a note fails; a one-column ID or SMILES list and a space-delimited table
 * pass. `complete`: the text is the whole input (else its last, partial line is left out).
 */
export function notDelimitedFirstLine(text: string, complete: boolean): string | undefined {
  const lines = firstLines(text, 20, complete);
  const first = lines[0];
  if (first === undefined) return undefined;
  if (lines.some((l) => /[\t,;]/.test(l))) return undefined;
  const rows = lines.map((l) => l.trim().split(/\s+/));
  if (rows[0]!.some(isKnownColumn)) return undefined;
  if (rows.some((cells) => cells.some(looksLikeData))) return undefined;
  const width = rows[0]!.length;
  if (rows.length > 1 && rows.every((cells) => cells.length === width)) return undefined;
  return first.trim();
}
