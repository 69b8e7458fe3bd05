/** `molimport overlap`: per source, then per pair of sources, how many molecules share an InChIKey. */
import Table from 'cli-table3';
import type { OverlapReport } from '../import/overlap.js';
import { formatInt } from './format.js';

export function renderOverlap(report: OverlapReport): string {
  const sources = new Table({
    head: ['source', 'molecules', 'with InChIKey'],
    style: { head: [], border: [] },
  });
  for (const [name, s] of Object.entries(report.perSource)) {
    sources.push([name, formatInt(s.molecules), formatInt(s.withInchikey)]);
  }
  const lines = [sources.toString()];
  if (report.pairs.length === 0) {
    lines.push('only one source in the table: nothing to compare');
  } else {
    const pairs = new Table({
      head: ['source', 'shares an InChIKey with', 'molecules', 'of', '%'],
      style: { head: [], border: [] },
    });
    for (const p of report.pairs) {
      pairs.push([
        p.a,
        p.b,
        formatInt(p.shared),
        formatInt(p.aTotal),
        p.aTotal > 0 ? ((100 * p.shared) / p.aTotal).toFixed(1) : '-',
      ]);
    }
    lines.push(pairs.toString());
  }
  return lines.join('\n') + '\n';
}
