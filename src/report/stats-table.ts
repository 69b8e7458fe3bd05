/** The final stats table printed on stdout (per file and in total). */
import type { FileStats, ImportStats } from '../import/stats.js';
import { fitTable, wrapText } from './fit.js';
import { highRejectShareWarning } from './reject-share.js';
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

/** Columns a narrow terminal gives up first (all-zero ones before the others); file, read, inserted, rejected and mol/s always stay. */
const DROP_ORDER = [
  'batch min/med/max',
  'batches',
  'duration',
  'dupl.',
  'skipped',
  'updated',
  'unchanged',
] as const;

/**
 * Renders the table as plain text (no colours: it is read by people and pasted into tickets),
 * fitted to `width` columns (a terminal's; Infinity for a file or pipe).
 */
export function renderStatsTable(stats: ImportStats, width = Infinity, command = 'molimport'): string {
  const rows = stats.files.map((f) => row(shortPath(f.path), f));
  if (stats.files.length !== 1) rows.push(row('total', stats));
  const lines = [fitTable({ head: COLUMNS, rows, width, dropOrder: DROP_ORDER, shortenColumn: 0 })];
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
    lines.push(`query it with: ${command} query 'select count(*) from ${stats.table}'`);
  }
  lines.push(
    `time: ${formatDuration(stats.durationMs)} (startup ${formatDuration(stats.startupMs)}, import ${formatDuration(stats.importDurationMs)} at ${formatInt(stats.moleculesPerSecond)} molecules/s)`,
  );
  lines.push(`peak memory: ${formatBytes(stats.peakRssBytes)} RSS`);
  if (stats.batchSizeEvolution.length > 1) {
    const label = `batch size: (${stats.batchSize.initial} → ${stats.batchSize.final}) `;
    const room = Number.isFinite(width) ? Math.max(8, Math.min(40, width - label.length)) : 40;
    lines.push(label + sparkline(stats.batchSizeEvolution, room));
  }
  if (stats.rejected > 0) {
    // Stats recorded before reasons were counted have none.
    const top = Object.entries(stats.rejectReasons ?? {})
      .slice(0, 3)
      .map(([kind, n]) => `${kind} ${formatInt(n ?? 0)}`)
      .join(', ');
    const files = stats.rejectsFiles ?? (stats.rejectsFile ? [stats.rejectsFile] : []);
    const where = files.length > 0 ? ` written to ${files.join(', ')}` : '';
    lines.push(`rejects: ${formatInt(stats.rejected)}${top ? ` (${top})` : ''}${where}`);
  }
  if (stats.chemistryWarnings > 0) {
    lines.push(
      `chemistry warnings: ${formatInt(stats.chemistryWarnings)} records kept with a computed field empty (see properties.molimport_warnings)`,
    );
  }
  const warning = highRejectShareWarning(stats);
  if (warning) lines.push(`warning: ${warning}`);
  if (stats.error) lines.push(`error: ${stats.error}`);
  return lines.flatMap((l) => (l.includes('\n') ? [l] : wrapText(l, width))).join('\n') + '\n';
}

function shortPath(p: string): string {
  const base = p.split(/[\\/]/).pop() ?? p;
  return base.length > 40 ? base.slice(0, 39) + '…' : base;
}
