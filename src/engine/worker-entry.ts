/**
 * The worker-thread entry of the engine's worker mode (piscina), loaded as built JavaScript
 * (`dist/engine/worker-entry.js`): Node 20's worker threads cannot load `.ts`.
 *
 * It loads the user's module once per thread, runs the export on each batch, and replies with a
 * {@link WorkerReply} that carries the thread's `heapUsed`, the cheapest honest memory sample.
 * Only types are imported from the engine: the entry loads nothing of it into the thread.
 */
import type { BatchInfo } from './batch-types.js';
import { serializeError } from '../serialized-error.js';
import type { WorkerReply, WorkerTask } from './worker-messages.js';

type Handler = (batch: unknown[], info: BatchInfo) => unknown[] | Promise<unknown[]>;

const handlers = new Map<string, Handler>();

async function handlerFor(moduleUrl: string, exportName: string): Promise<Handler> {
  const key = `${moduleUrl}#${exportName}`;
  let handler = handlers.get(key);
  if (handler === undefined) {
    const mod = (await import(moduleUrl)) as Record<string, unknown>;
    const found = mod[exportName];
    if (typeof found !== 'function') {
      throw new TypeError(
        `worker module ${moduleUrl} has no exported function ${JSON.stringify(exportName)}`,
      );
    }
    handler = found as Handler;
    handlers.set(key, handler);
  }
  return handler;
}

export default async function runBatch(task: WorkerTask<unknown>): Promise<WorkerReply<unknown>> {
  try {
    const handler = await handlerFor(task.moduleUrl, task.exportName);
    const results = await handler(task.batch, task.info);
    return { ok: true, results, heapUsed: process.memoryUsage().heapUsed };
  } catch (thrown) {
    return { ok: false, error: serializeError(thrown), heapUsed: process.memoryUsage().heapUsed };
  }
}
