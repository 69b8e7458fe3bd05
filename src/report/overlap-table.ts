/**
 * `molimport overlap`: per source, then per pair of sources, how many molecules share a key at the
 * chosen level (InChIKey, connectivity, parent), with a few examples per pair.
 */
import Table from 'cli-table3';
import type { OverlapReport } from '../import/overlap.js';
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

export function renderOverlap(report: OverlapReport): string {
  const keyName = KEY_NAMES[report.by];
  const sources = new Table({
    head: ['source', 'molecules', `with ${keyName}`],
    style: { head: [], border: [] },
  });
  for (const [name, s] of Object.entries(report.perSource)) {
    sources.push([name, formatInt(s.molecules), formatInt(s.withKey)]);
  }
  const lines = [sources.toString()];
  if (report.pairs.length === 0) {
    lines.push('only one source in the table: nothing to compare');
  } else {
    const pairs = new Table({
      head: ['source', SHARES[report.by], 'molecules', 'of', '%'],
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
    const examples = Object.entries(report.examples).filter(([, list]) => list.length > 0);
    if (examples.length > 0) {
      lines.push(report.by === 'inchikey' ? 'examples:' : 'examples (full InChIKeys differ):');
      for (const [pair, list] of examples) {
        for (const e of list) lines.push(`  ${pair}  ${e.aId} = ${e.bId}  ${e.key}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
