/** The warning a run with many rejects ends with; its own module so log-only runs need no table code. */
import type { ImportStats } from '../import/stats.js';

/** Past this share of the records read, a completed run still ends with a warning. */
export const HIGH_REJECT_SHARE = 0.1;

/** The warning a completed run with many rejects ends with, else undefined. */
export function highRejectShareWarning(stats: ImportStats): string | undefined {
  if (stats.status !== 'completed' || stats.read === 0) return undefined;
  const share = stats.rejected / stats.read;
  if (share <= HIGH_REJECT_SHARE) return undefined;
  return `${(share * 100).toFixed(1)} % of the records read were rejected (more than ${HIGH_REJECT_SHARE * 100} %); check the rejects file, or set --max-error-rate to fail such runs`;
}
