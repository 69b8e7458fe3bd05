import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Piscina } from 'piscina';
import type { BatchInfo, WorkerProcessFunc } from './batch-types.js';
import { WORKER_ENTRY_SOURCE } from './worker-entry-source.js';
import { deserializeError } from './worker-messages.js';
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

/** `heapUsed`: heap in use in the thread that ran the batch, right after it. */
export type WorkerRunResult<R> =
  { ok: true; results: R[]; heapUsed: number } | { ok: false; error: Error; heapUsed: number };

export class WorkerPool<T, R> {
  private readonly moduleUrl: string;
  private readonly exportName: string;
  private pool: Promise<Piscina> | undefined;
  private entryDir: string | undefined;
  /** Removes the entry file if the process exits without close(); threads are unref'd, so it can. */
  private readonly removeEntryOnExit = (): void => {
    if (this.entryDir !== undefined) rmSync(this.entryDir, { recursive: true, force: true });
  };

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
    // mkdtemp gives a fresh 0700 directory: no other user can swap the file we are about to load.
    this.entryDir = mkdtempSync(join(tmpdir(), 'molimport-engine-'));
    const entry = join(this.entryDir, 'worker-entry.mjs');
    writeFileSync(entry, WORKER_ENTRY_SOURCE);
    process.once('exit', this.removeEntryOnExit);
    const filename = pathToFileURL(entry).href;
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

  /** Terminate the threads and remove the entry file. Safe to call twice; a later run starts a new pool. */
  async close(): Promise<void> {
    const pool = this.pool;
    const dir = this.entryDir;
    this.pool = undefined;
    this.entryDir = undefined;
    process.off('exit', this.removeEntryOnExit);
    if (pool !== undefined) await (await pool.catch(() => undefined))?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}
