/**
 * The embedded database's thread (started by `pglite-thread.ts`): opens PGlite on
 * `workerData.dataDir` when the main thread says the directory is ready (it seeds a new one while
 * this thread starts), then answers each request in the order it came. Requests are run one at a
 * time: PGlite is one connection, and the driver's mutex already orders them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../serialized-error.js';
import { openPgliteBackend, type PgliteBackend } from './pglite-backend.js';
import type { PgliteReply, PgliteRequest, PgliteThreadData } from './pglite-messages.js';

const port = parentPort;
if (port === null) throw new Error('pglite-worker.js runs only as a worker thread');
const { dataDir } = workerData as PgliteThreadData;

async function answer(db: PgliteBackend, request: PgliteRequest): Promise<PgliteReply> {
  try {
    switch (request.op) {
      case 'query':
        return { id: request.id, ok: true, result: await db.query(request.text, request.params) };
      case 'copy':
        return { id: request.id, ok: true, result: await db.copyFrom(request.sql, request.chunks) };
      case 'rollbackIfInTransaction':
        await db.rollbackIfInTransaction();
        return { id: request.id, ok: true, result: undefined };
      case 'close':
        await db.close();
        return { id: request.id, ok: true, result: undefined };
      case 'open':
        throw new Error('the embedded database is already open');
    }
  } catch (err) {
    return { id: request.id, ok: false, error: serializeError(err) };
  }
}

try {
  await new Promise<void>((resolve) => port.once('message', () => resolve()));
  const db = await openPgliteBackend(dataDir, { prepared: true });
  let queue = Promise.resolve();
  port.on('message', (request: PgliteRequest) => {
    queue = queue.then(async () => {
      const reply = await answer(db, request);
      try {
        port.postMessage(reply);
      } catch (err) {
        // A result that cannot be cloned: the caller gets the reason, the thread lives on.
        port.postMessage({ id: request.id, ok: false, error: serializeError(err) } satisfies PgliteReply);
      }
      if (request.op === 'close') port.close();
    });
  });
  port.postMessage({ id: 0, ok: 'open' } satisfies PgliteReply);
} catch (err) {
  port.postMessage({ id: 0, ok: 'open-failed', error: serializeError(err) } satisfies PgliteReply);
}
