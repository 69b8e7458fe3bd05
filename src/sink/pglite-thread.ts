/**
 * PGlite in a worker thread of its own, seen from the main thread as a `PgliteBackend`. PostgreSQL
 * in WASM is single-threaded and takes most of an embedded import's CPU; in its own thread it runs
 * on one core while this thread reads, parses and encodes the next batch on the other.
 *
 * Requests are answered in order. The thread keeps the process alive only while a request is
 * pending (it is `unref`ed when idle), so a program that forgets `close()` still exits, as it did
 * with PGlite in its own thread. If the thread dies (a WASM abort, out of memory), every pending
 * and later request fails with a `DatabaseError` that says so.
 */
import { Worker } from 'node:worker_threads';
import { builtFile } from '../built-file.js';
import { deserializeError } from '../serialized-error.js';
import type { SqlResult, SqlRow } from './driver.js';
import type { PgliteBackend } from './pglite-backend.js';
import { concatChunks } from './pglite-copy.js';
import type { PgliteReply, PgliteRequest, PgliteThreadData } from './pglite-messages.js';
import { prepareDataDir } from './pglite-template.js';

/** Distributive Omit: keeps each request variant's own fields. */
type RequestBody = PgliteRequest extends infer R ? (R extends PgliteRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

function workerPath(): string {
  const wanted = new URL('./pglite-worker.js', import.meta.url);
  const file = builtFile(wanted);
  // An incomplete installation or checkout, not a caller's mistake.
  if (file === undefined)
    throw new Error(`the embedded database's worker is not built: ${wanted.pathname} (run npm run build)`);
  return file;
}

/**
 * The thread inherits node's options, except `--input-type` (node --input-type=module -e …), which
 * is refused for a worker's file and would fail every embedded run started that way. Naming the
 * options explicitly makes Node check them, and it refuses V8's (bin/molimport.js's #! heap flags:
 * "Initiated Worker with invalid execArgv flags"); those are process-wide and already in force in
 * the thread, so they are left out. Inherited implicitly when there is nothing to leave out.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] | undefined {
  const kept = execArgv.filter((arg) => !arg.startsWith('--input-type'));
  return kept.length === execArgv.length ? undefined : kept;
}

function startWorker(file: string, data: PgliteThreadData): Worker {
  let execArgv = workerExecArgv(process.execArgv);
  for (;;) {
    try {
      return new Worker(file, { workerData: data, execArgv });
    } catch (err) {
      const refused = refusedFlags(err);
      if (execArgv === undefined || refused.length === 0) throw err;
      const names = new Set(refused.map(flagName));
      const kept: string[] = execArgv.filter((arg) => !names.has(flagName(arg)));
      if (kept.length === execArgv.length) throw err;
      execArgv = kept;
    }
  }
}

/** The options Node names in ERR_WORKER_INVALID_EXEC_ARGV ("…invalid execArgv flags: --a, --b=1"). */
function refusedFlags(err: unknown): string[] {
  if ((err as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return [];
  const list = /flags: (.*)$/.exec((err as Error).message)?.[1];
  return list === undefined ? [] : list.split(', ').filter((f) => f.startsWith('-'));
}

const flagName = (arg: string): string => arg.split('=', 1)[0] as string;

/**
 * Start the thread and open the database in `dataDir`; rejects with the thread's (or the seeding's)
 * error. A new directory is seeded here while the thread starts and loads PGlite (~0.15 s), and
 * the thread opens it when told.
 */
export async function openPgliteThread(dataDir: string): Promise<PgliteBackend> {
  const worker = startWorker(workerPath(), { dataDir } satisfies PgliteThreadData);
  const backend = new PgliteThread(worker);
  // Awaited below, after the seeding; marked handled now, since the thread may fail first.
  backend.opened.catch(() => undefined);
  try {
    await prepareDataDir(dataDir);
    worker.postMessage({ id: 0, op: 'open' } satisfies PgliteRequest);
    await backend.opened;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return backend;
}

class PgliteThread implements PgliteBackend {
  readonly opened: Promise<void>;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Set once the thread is gone (closed or died): why later requests fail. */
  #gone: Error | undefined;

  constructor(worker: Worker) {
    this.#worker = worker;
    let openedResolve!: () => void;
    let openedReject!: (err: Error) => void;
    this.opened = new Promise<void>((resolve, reject) => {
      openedResolve = resolve;
      openedReject = reject;
    });
    let open = false;
    worker.on('message', (reply: PgliteReply) => {
      if (reply.ok === 'open') {
        open = true;
        this.#idle();
        openedResolve();
        return;
      }
      if (reply.ok === 'open-failed') {
        openedReject(deserializeError(reply.error));
        return;
      }
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(deserializeError(reply.error));
      this.#idle();
    });
    const died = (err: Error) => {
      this.#gone ??= err;
      if (!open) openedReject(err);
      for (const pending of this.#pending.values()) pending.reject(err);
      this.#pending.clear();
    };
    worker.on('error', (err) =>
      died(new Error(`the embedded database's thread failed: ${err.message}`, { cause: err })),
    );
    worker.on('exit', (code) => died(new Error(`the embedded database's thread exited (code ${code})`)));
  }

  /** Nothing pending: the thread must not keep the process alive. */
  #idle(): void {
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #request<T>(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.ref();
      try {
        this.#worker.postMessage({ ...body, id }, transfer);
      } catch (err) {
        // Not sent (a parameter that cannot be cloned): nothing will answer it.
        this.#pending.delete(id);
        this.#idle();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    return this.#request<SqlResult<R>>({ op: 'query', text, params });
  }

  copyFrom(sql: string, chunks: readonly Uint8Array[]): Promise<number> {
    // One buffer of our own, moved (not copied) to the thread: the caller's chunks may be views of
    // buffers that something else still uses, which a transfer would take away from it.
    const only = chunks.length === 1 ? chunks[0] : undefined;
    const data = only !== undefined ? new Uint8Array(only) : concatChunks(chunks);
    return this.#request<number>({ op: 'copy', sql, chunks: [data] }, [data.buffer as ArrayBuffer]);
  }

  rollbackIfInTransaction(): Promise<void> {
    return this.#request<void>({ op: 'rollbackIfInTransaction' });
  }

  async close(): Promise<void> {
    if (this.#gone !== undefined) return;
    try {
      await this.#request<void>({ op: 'close' });
    } finally {
      this.#gone ??= new Error('Client was closed and is not queryable');
      await this.#worker.terminate();
    }
  }
}
