export { renderStatsTable } from './stats-table.js';
export { createProgressReporter } from './progress.js';
export { createEventLogger, type EventLogger } from './log-events.js';
export { sparkline, formatBytes, formatDuration, formatInt } from './format.js';
