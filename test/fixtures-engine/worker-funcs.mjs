// Process functions for the worker-pool tests. Plain JavaScript: worker threads load built code.
import { threadId } from 'node:worker_threads';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Tags each item with the thread that ran it; blocks briefly so that batches overlap across threads. */
export function tagWithThread(batch) {
  Atomics.wait(pause, 0, 0, 30);
  return batch.map((x) => ({ x, threadId }));
}

/** Doubles numbers; items divisible by 7 make the whole batch throw an error carrying a code. */
export function failOnSeven(batch) {
  const bad = batch.find((x) => x % 7 === 0);
  if (bad !== undefined) {
    const error = new Error(`bad item ${bad}`);
    error.code = 'BAD_ITEM';
    throw error;
  }
  return batch.map((x) => x * 2);
}

export default function double(batch) {
  return batch.map((x) => x * 2);
}
