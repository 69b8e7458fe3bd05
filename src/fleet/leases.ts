/**
 * The fleet's own two tables, next to molimport_runs: the sets (their import options) and one row
 * per file, which is also the fencing token. pg-boss hands out jobs; its retry count, copied here
 * when a worker takes a job, is the attempt (lease) number. Every batch transaction of that attempt
 * updates its row only while the attempt still matches, and the takeover by a later attempt updates
 * the same row: the row lock orders the two, so a batch either commits before the takeover (and the
 * new attempt's resume sees it in the ledger) or finds the lease gone and rolls back. The SQL is
 * in sink/fleet-leases.ts; here, what a lost lease means.
 */
import { LeaseLostError } from '../errors.js';
import type { FleetBatchCounts } from '../import/run-import.js';
import type { DatabaseOperations, SqlExecutor } from '../sink/index.js';
import {
  claimLease,
  countBatchOnLease,
  setLeaseRun,
  terminateSessions,
  type EndedLease,
} from '../sink/fleet-leases.js';

const SESSION_PREFIX = 'mfleet:';

/** The `application_name` of an attempt's import sessions, so a later attempt can find them. */
export function sessionName(jobId: string, attempt: number): string {
  return `${SESSION_PREFIX}${jobId}:${attempt}`;
}

/**
 * Record that attempt `attempt` holds the job. Returns the run an earlier attempt started (to
 * continue); `{ ended }` when an earlier attempt already finished the file for good but pg-boss had
 * expired the job meanwhile (the caller only completes it); or `null` when the row already holds
 * this or a later attempt (a stale fetch).
 */
export async function takeLease(
  db: DatabaseOperations,
  jobId: string,
  attempt: number,
  worker: { host: string; pid: number },
): Promise<{ runId: number | undefined } | { ended: EndedLease } | null> {
  // Sessions of earlier attempts still open (a paused or cut-off worker) may hold row locks: on the
  // lease row, or on keys of an uncommitted batch this attempt is about to write again. The fence
  // keeps them from committing; ending their sessions keeps them from blocking this attempt.
  await terminateSessions(db, `${SESSION_PREFIX}${jobId}:%`, sessionName(jobId, attempt));
  return claimLease(db, jobId, attempt, worker);
}

function lost(jobId: string, attempt: number, what: string): LeaseLostError {
  return new LeaseLostError(
    `lease lost: job ${jobId} attempt ${attempt} was taken over by another worker; ${what}`,
  );
}

/** The run this attempt writes under (so a later attempt continues it). Fenced: `LeaseLostError`. */
export async function noteLeaseRun(
  db: DatabaseOperations,
  jobId: string,
  attempt: number,
  runId: number,
): Promise<void> {
  if (!(await setLeaseRun(db, jobId, attempt, runId))) throw lost(jobId, attempt, 'not starting the import');
}

/**
 * The fence of one batch, inside its transaction: count the batch on the lease row while the lease
 * is still this attempt's, else throw `LeaseLostError` (the batch rolls back).
 */
export function leaseFence(
  schema: string,
  jobId: string,
  attempt: number,
): (tx: SqlExecutor, batch: FleetBatchCounts) => Promise<void> {
  return async (tx, b) => {
    if (!(await countBatchOnLease(tx, schema, jobId, attempt, b)))
      throw lost(jobId, attempt, 'this batch rolled back and the worker stops the job');
  };
}
