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
