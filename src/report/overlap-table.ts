/**
 * `molimport overlap`: per source, then per pair of sources, how many molecules share a key at the
 * chosen level (InChIKey, connectivity, parent), with a few examples per pair.
 */
import type { OverlapReport } from '../import/overlap.js';
import { fitTable, wrapText } from './fit.js';
import { formatInt } from './format.js';

const KEY_NAMES: Record<OverlapReport['by'], string> = {
  inchikey: 'InChIKey',
  connectivity: 'connectivity (InChIKey block 1)',
  parent: 'parent InChIKey',
};

const SHARES: Record<OverlapReport['by'], string> = {
  inchikey: 'shares an InChIKey with',
  connectivity: 'shares a connectivity with',
  parent: 'shares a parent with',
};

/** Both tables and the examples, fitted to `width` columns (a terminal's; Infinity for a file or pipe). */
export function renderOverlap(report: OverlapReport, width = Infinity): string {
  const keyName = KEY_NAMES[report.by];
  const perSource = Object.entries(report.perSource).map(([name, s]) => [
    name,
    formatInt(s.molecules),
    formatInt(s.withKey),
  ]);
  const lines = [fitTable({ head: ['source', 'molecules', `with ${keyName}`], rows: perSource, width })];
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
    lines.push(fitTable({ head: ['source', SHARES[report.by], 'molecules', 'of', '%'], rows: pairs, width }));
    const examples = Object.entries(report.examples).filter(([, list]) => list.length > 0);
    if (examples.length > 0) {
      lines.push(report.by === 'inchikey' ? 'examples:' : 'examples (full InChIKeys differ):');
      for (const [pair, list] of examples) {
        for (const e of list) lines.push(...wrapText(`  ${pair}  ${e.aId} = ${e.bId}  ${e.key}`, width));
      }
    }
  }
  return lines.join('\n') + '\n';
}
