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
  if (stats.rejected > 0) {
    const top = Object.entries(stats.rejectReasons)
      .slice(0, 3)
      .map(([kind, n]) => `${kind} ${formatInt(n ?? 0)}`)
      .join(', ');
    const where = stats.rejectsFiles.length > 0 ? ` written to ${stats.rejectsFiles.join(', ')}` : '';
    lines.push(`rejects: ${formatInt(stats.rejected)} (${top})${where}`);
  }
  if (stats.chemistryWarnings > 0) {
    lines.push(
      `chemistry warnings: ${formatInt(stats.chemistryWarnings)} records kept with a computed field empty (see properties.molimport_warnings)`,
    );
  }
  const warning = highRejectShareWarning(stats);
  if (warning) lines.push(`warning: ${warning}`);
  if (stats.error) lines.push(`error: ${stats.error}`);
  return lines.join('\n') + '\n';
}

/** Past this share of the records read, a completed run still ends with a warning. */
export const HIGH_REJECT_SHARE = 0.1;

/** The warning a completed run with many rejects ends with, else undefined. */
export function highRejectShareWarning(stats: ImportStats): string | undefined {
  if (stats.status !== 'completed' || stats.read === 0) return undefined;
  const share = stats.rejected / stats.read;
  if (share <= HIGH_REJECT_SHARE) return undefined;
  return `${(share * 100).toFixed(1)} % of the records read were rejected (more than ${HIGH_REJECT_SHARE * 100} %); check the rejects file, or set --max-error-rate to fail such runs`;
}

function shortPath(p: string): string {
  const base = p.split(/[\\/]/).pop() ?? p;
  return base.length > 40 ? base.slice(0, 39) + '…' : base;
}
