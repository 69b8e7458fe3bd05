/** `molimport runs`: recent runs as a table. */
import Table from 'cli-table3';
import type { RunSummary } from '../import/list-runs.js';
import { formatDuration, formatInt } from './format.js';

export function renderRunsTable(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'no runs recorded yet\n';
  const table = new Table({
    head: [
      'run',
      'started',
      'status',
      'source',
      'table',
      'files',
      'read',
      'inserted',
      'updated',
      'rejected',
      'deleted',
      'duration',
    ],
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
      r.deleted === null ? '-' : formatInt(r.deleted),
      r.durationMs === null ? '-' : formatDuration(r.durationMs),
    ]);
  }
  return table.toString() + '\n';
}

function shortName(p: string): string {
  const base = p.split('/').pop() ?? p;
  return base.length > 32 ? base.slice(0, 31) + '…' : base;
}

/** `molimport query`: rows of any shape as a table. */
export function renderRowsTable(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const head = Object.keys(rows[0]!);
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) table.push(head.map((h) => cell(r[h])));
  return table.toString() + `\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}
