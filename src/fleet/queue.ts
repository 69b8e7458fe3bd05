/**
 * pg-boss wiring: one queue per job set, in the `pgboss` schema of the target database. Only this
 * directory imports pg-boss; the engine and the import pipeline never see it.
 */
import PgBoss from 'pg-boss';
import type { SqlExecutor } from '../sink/index.js';
import type { DataSource } from '../types.js';
import type { StoredImportOptions } from './options.js';

/** What one job carries: everything a worker on any machine needs to import its one file. */
export interface FleetJobData {
  set: string;
  source: DataSource;
  fileIndex: number;
  path: string;
  options: StoredImportOptions;
}

const QUEUE_PREFIX = 'molimport.';

export function queueName(set: string): string {
  return `${QUEUE_PREFIX}${set}`;
}

export interface BossOptions {
  connectionString: string;
  /** How often a worker runs pg-boss's maintenance (which expires jobs held too long), in seconds. */
  maintenanceIntervalSeconds?: number;
  /** Run maintenance at all: only workers need to. */
  supervise: boolean;
  /** Called with pg-boss's background errors (a property, not a method: it is passed on unbound). */
  onError: (err: Error) => void;
}

export async function openBoss(o: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: o.connectionString,
    application_name: 'molimport-fleet',
    max: 3,
    supervise: o.supervise,
    schedule: false,
    ...(o.maintenanceIntervalSeconds === undefined
      ? {}
      : {
          maintenanceIntervalSeconds: o.maintenanceIntervalSeconds,
          monitorStateIntervalSeconds: Math.max(1, o.maintenanceIntervalSeconds),
        }),
  });
  boss.on('error', o.onError);
  await boss.start();
  return boss;
}

/** pg-boss's `db` option: run its statement on our transaction's connection. */
export function onTransaction(tx: SqlExecutor): { db: PgBoss.Db } {
  return {
    db: {
      executeSql: async (text: string, values: unknown[]) => ({ rows: (await tx.query(text, values)).rows }),
    },
  };
}

export type { PgBoss };
