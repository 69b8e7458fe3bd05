import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Piscina } from 'piscina';
import { builtFile } from '../built-file.js';
import type { BatchInfo, WorkerProcessFunc } from './batch-types.js';
import { deserializeError } from '../serialized-error.js';
import type { WorkerReply, WorkerTask } from './worker-messages.js';
import { fail } from './validate.js';

/**
 * A piscina pool of `maxWorkers` threads running the user's process function module. Scheduling
 * (which batch, when) stays in the stream; this only moves a batch to a thread and back.
 */

/** Resolve `processFunc.module` to a `file:` URL string, or throw a ConfigurationError. */
export function resolveModuleUrl(module: string | URL): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:')
      fail('AdaptiveBatchProcessor', 'processFunc.module', 'a file: URL', module.href);
    return module.href;
  }
  if (module.startsWith('file:')) return new URL(module).href;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  return fail('AdaptiveBatchProcessor', 'processFunc.module', 'a file: URL or an absolute path', module);
}

/** The built worker entry (`worker-entry.ts` compiled), found the way `chem/` finds its worker. */
function workerEntryPath(): string {
  const wanted = new URL('./worker-entry.js', import.meta.url);
  const path = builtFile(wanted);
  // An incomplete installation or checkout, not a caller's mistake: no MolimportError code fits.
  if (path === undefined)
    throw new Error(`the engine's worker entry is not built: ${wanted.pathname} (run npm run build)`);
  return path;
}

/** `heapUsed`: heap in use in the thread that ran the batch, right after it. */
export type WorkerRunResult<R> =
  { ok: true; results: R[]; heapUsed: number } | { ok: false; error: Error; heapUsed: number };

export class WorkerPool<T, R> {
  private readonly moduleUrl: string;
  private readonly exportName: string;
  private pool: Promise<Piscina> | undefined;

  constructor(
    spec: WorkerProcessFunc,
    private readonly maxWorkers: number,
  ) {
    this.moduleUrl = resolveModuleUrl(spec.module);
    this.exportName = spec.exportName ?? 'default';
  }

  /**
   * Threads start on first use, not at construction: a processor that is never run costs nothing,
   * and piscina itself is loaded only then (a process that never uses worker mode never loads it).
   */
  private ensurePool(): Promise<Piscina> {
    if (this.pool !== undefined) return this.pool;
    const filename = workerEntryPath();
    const threads = this.maxWorkers;
    this.pool = import('piscina').then(
      ({ Piscina: Pool }) => new Pool({ filename, minThreads: threads, maxThreads: threads }),
    );
    return this.pool;
  }

  /** Run one batch on a thread. Failures come back as a reply, not a rejection, so `heapUsed` is never lost. */
  async run(batch: T[], info: BatchInfo): Promise<WorkerRunResult<R>> {
    const task: WorkerTask<T> = { moduleUrl: this.moduleUrl, exportName: this.exportName, batch, info };
    const reply = (await (await this.ensurePool()).run(task)) as WorkerReply<R>;
    return reply.ok
      ? { ok: true, results: reply.results, heapUsed: reply.heapUsed }
      : { ok: false, error: deserializeError(reply.error), heapUsed: reply.heapUsed };
  }

  /** Terminate the threads. Safe to call twice; a later run starts a new pool. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined) await (await pool.catch(() => undefined))?.destroy();
  }
}
