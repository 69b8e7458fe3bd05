/**
 * Streaming: an async generator of 200,000 items through processor.stream(), in flat memory. The
 * stream pulls input only while fewer than maxWorkers batches run and maxQueuedBatches wait for us,
 * so a slow consumer holds the producer back (backpressure) instead of buffering everything.
 * Run: npx tsx examples/streaming-async.ts
 */
import { AdaptiveBatchProcessor } from 'molimport';

const TOTAL = 200_000;
let produced = 0;
let consumed = 0;
let maxAhead = 0; // the most items ever pulled from the generator but not yet consumed

async function* readings(): AsyncGenerator<{ id: number; value: number }> {
  for (let id = 1; id <= TOTAL; id++) {
    produced++;
    maxAhead = Math.max(maxAhead, produced - consumed);
    yield { id, value: id % 1_000 };
    // Stand-in for reading the next block of 1,000 from a file or a cursor.
    if (id % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

const maxWorkers = 4;
const maxQueuedBatches = 2;
const maxBatchSize = 5_000;
const processor = new AdaptiveBatchProcessor<{ id: number; value: number }, number>({
  processFunc: async (batch) => {
    await new Promise((resolve) => setImmediate(resolve)); // stand-in for an async write
    return batch.map((r) => r.value * 2);
  },
  initialBatchSize: 500,
  maxBatchSize,
  maxWorkers, // batches in flight at once
  maxQueuedBatches, // finished batches allowed to wait for this consumer
});

const heapBefore = process.memoryUsage().heapUsed;
let sum = 0;
for await (const batch of processor.stream(readings(), { parallel: true })) {
  for (const outcome of batch.outcomes) if (outcome.ok) sum += outcome.value;
  consumed += batch.size;
  if (batch.batchIndex % 20 === 0) {
    process.stderr.write(`progress: ${consumed}/${TOTAL} items, next batch size ${batch.nextBatchSize}\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, 1)); // a slow consumer
}

const stats = processor.getStats();
const expected = (TOTAL / 1_000) * 2 * ((999 * 1_000) / 2); // sum of 2 * (id % 1000)
console.log(
  `streamed ${stats.totalItemsProcessed} items in ${stats.batchCount} batches, ${stats.totalItemsFailed} failed`,
);
console.log(`sum ${sum} (${sum === expected ? 'correct' : `expected ${expected}`})`);
// Bound: items in running batches + queued batches + the one being cut, each at most maxBatchSize.
const bound = (maxWorkers + maxQueuedBatches + 1) * maxBatchSize;
console.log(`max items read ahead of the consumer: ${maxAhead} (bound ${bound})`);
const heapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 ** 2;
console.log(
  `heap growth: ${heapGrowthMiB.toFixed(1)} MiB, peak heap ${(stats.peakHeapUsedBytes / 1024 ** 2).toFixed(1)} MiB`,
);
