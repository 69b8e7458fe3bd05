/** The final stats table printed on stdout (per file and in total). */
import Table from 'cli-table3';
import type { FileStats, ImportStats } from '../import/stats.js';
import { formatBytes, formatDuration, formatInt, sparkline } from './format.js';

const COLUMNS = [
  'file',
  'read',
  'inserted',
  'updated',
  'unchanged',
  'dupl.',
  'rejected',
  'skipped',
  'batches',
  'batch min/med/max',
  'duration',
  'mol/s',
] as const;

function row(label: string, s: FileStats | ImportStats): string[] {
  return [
    label,
    formatInt(s.read),
    formatInt(s.inserted),
    formatInt(s.updated),
    formatInt(s.unchanged),
    formatInt(s.duplicates),
    formatInt(s.rejected),
    formatInt(s.skipped),
    formatInt(s.batches),
    `${s.batchSize.min}/${s.batchSize.median}/${s.batchSize.max}`,
    formatDuration(s.durationMs),
    formatInt(s.moleculesPerSecond),
  ];
}

/** Renders the table as plain text (no colours: it is read by people and pasted into tickets). */
export function renderStatsTable(stats: ImportStats): string {
  const table = new Table({ head: [...COLUMNS], style: { head: [], border: [] } });
  for (const f of stats.files) table.push(row(shortPath(f.path), f));
  if (stats.files.length !== 1) table.push(row('total', stats));
  const lines = [table.toString()];
  lines.push(
    `status: ${stats.status} (exit ${stats.exitCode})  run: ${stats.runId ?? '-'}  mode: ${stats.mode}${stats.dryRun ? ' (dry run)' : ''}${stats.resumed ? ' (resumed)' : ''}`,
  );
  lines.push(`target: ${stats.database} → ${stats.table}`);
  if (stats.sync) {
    const y = stats.sync;
    lines.push(
      `sync (${y.mode}${y.dryRun ? ', dry run' : ''}): ${y.dryRun || y.refused ? `would delete ${formatInt(y.unseen)}` : `deleted ${formatInt(y.deleted)}`} of ${formatInt(y.rowsBefore)} rows${y.restored > 0 ? `, restored ${formatInt(y.restored)}` : ''}${y.refused ? ` (refused: above --max-delete-fraction ${y.maxDeleteFraction})` : ''}`,
    );
  }
  if (stats.database.startsWith('embedded:')) {
    lines.push(
      `embedded database (no --db, DATABASE_URL or PGHOST given); query it with: molimport query 'select count(*) from ${stats.table}'`,
    );
  }
  lines.push(
    `peak memory: ${formatBytes(stats.peakRssBytes)} RSS  total: ${formatDuration(stats.durationMs)} (import ${formatInt(stats.moleculesPerSecond)} molecules/s)`,
  );
  if (stats.batchSizeEvolution.length > 1) {
    lines.push(
      `batch size: ${sparkline(stats.batchSizeEvolution)}  (${stats.batchSize.initial} → ${stats.batchSize.final})`,
    );
  }
  if (stats.rejected > 0 && stats.rejectsFile)
    lines.push(`rejects: ${stats.rejected} written to ${stats.rejectsFile}`);
  if (stats.error) lines.push(`error: ${stats.error}`);
  return lines.join('\n') + '\n';
}

function shortPath(p: string): string {
  const base = p.split(/[\\/]/).pop() ?? p;
  return base.length > 40 ? base.slice(0, 39) + '…' : base;
}
