/** `molimport runs`: recent runs as a table. */
import Table from 'cli-table3';
import type { RunSummary } from '../import/list-runs.js';
import { formatDuration, formatInt } from './format.js';

export function renderRunsTable(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'no runs recorded yet\n';
  const table = new Table({
    head: ['run', 'started', 'status', 'source', 'table', 'files', 'read', 'inserted', 'updated', 'rejected', 'duration'],
    style: { head: [], border: [] },
  });
  for (const r of runs) {
    table.push([
      String(r.runId),
      r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      r.status,
      r.source,
      r.table,
      r.files.length === 1 ? shortName(r.files[0] ?? '') : `${r.files.length} files`,
      r.read === null ? '-' : formatInt(r.read),
      r.inserted === null ? '-' : formatInt(r.inserted),
      r.updated === null ? '-' : formatInt(r.updated),
      r.rejected === null ? '-' : formatInt(r.rejected),
      r.durationMs === null ? '-' : formatDuration(r.durationMs),
    ]);
  }
  return table.toString() + '\n';
}

function shortName(p: string): string {
  const base = p.split('/').pop() ?? p;
  return base.length > 32 ? base.slice(0, 31) + '…' : base;
}
