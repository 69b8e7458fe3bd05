/** `molimport overlap`: per source, then per pair of sources, how many molecules share an InChIKey. */
import type { OverlapReport } from '../import/overlap.js';
import { fitTable, wrapText } from './fit.js';
import { formatInt } from './format.js';

/** Both tables, fitted to `width` columns (a terminal's; Infinity for a file or pipe). */
export function renderOverlap(report: OverlapReport, width = Infinity): string {
  const perSource = Object.entries(report.perSource).map(([name, s]) => [
    name,
    formatInt(s.molecules),
    formatInt(s.withInchikey),
  ]);
  const lines = [fitTable({ head: ['source', 'molecules', 'with InChIKey'], rows: perSource, width })];
  if (report.pairs.length === 0) {
    lines.push(...wrapText('only one source in the table: nothing to compare', width));
  } else {
    const pairs = report.pairs.map((p) => [
      p.a,
      p.b,
      formatInt(p.shared),
      formatInt(p.aTotal),
      p.aTotal > 0 ? ((100 * p.shared) / p.aTotal).toFixed(1) : '-',
    ]);
    lines.push(
      fitTable({ head: ['source', 'shares an InChIKey with', 'molecules', 'of', '%'], rows: pairs, width }),
    );
  }
  return lines.join('\n') + '\n';
}
