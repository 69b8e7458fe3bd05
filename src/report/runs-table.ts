/** `molimport runs`: recent runs as a table. */
import type { RunSummary } from '../import/list-runs.js';
import { fitTable } from './fit.js';
import { formatDuration, formatInt } from './format.js';
import { wrapText } from './wrap.js';

const RUNS_HEAD = [
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
];

/** Columns a narrow terminal gives up first; run, started, status, read and rejected always stay. */
const RUNS_DROP_ORDER = ['table', 'deleted', 'updated', 'source', 'files', 'duration', 'inserted'];

/** Recent runs, fitted to `width` columns (a terminal's; Infinity for a file or pipe). */
export function renderRunsTable(runs: readonly RunSummary[], width = Infinity): string {
  if (runs.length === 0) return 'no runs recorded yet\n';
  const rows = runs.map((r) => [
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
  // Each run's rejects files under the table: paths are too long for a column.
  const rejects = runs
    .filter((r) => r.rejectsFiles.length > 0)
    .flatMap((r) => wrapText(`run ${r.runId} rejects: ${r.rejectsFiles.join(', ')}`, width));
  return (
    fitTable({ head: RUNS_HEAD, rows, width, dropOrder: RUNS_DROP_ORDER, shortenColumn: 5 }) +
    '\n' +
    rejects.map((l) => l + '\n').join('')
  );
}

function shortName(p: string): string {
  const base = p.split('/').pop() ?? p;
  return base.length > 32 ? base.slice(0, 31) + '…' : base;
}

/** `molimport query`: rows of any shape as a table, or one `column : value` line per cell when too wide. */
export function renderRowsTable(rows: readonly Record<string, unknown>[], width = Infinity): string {
  if (rows.length === 0) return '(no rows)\n';
  const head = Object.keys(rows[0]!);
  const cells = rows.map((r) => head.map((h) => cell(r[h])));
  return fitTable({ head, rows: cells, width }) + `\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (v instanceof Date) s = v.toISOString();
  else if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
  else s = JSON.stringify(v) ?? '';
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}
