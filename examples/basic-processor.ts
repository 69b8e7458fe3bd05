/**
 * The seed's basic example: an AdaptiveBatchProcessor over an array, with an async process function.
 * Run: npx tsx examples/basic-processor.ts
 */
import { AdaptiveBatchProcessor } from 'molimport';

// 1,000 "measurements"; one of them is bad (negative) and will fail on its own.
const items = Array.from({ length: 1_000 }, (_, i) => (i === 500 ? -1 : i + 1));

const processor = new AdaptiveBatchProcessor<number, number>({
  // Receives one batch, returns exactly one result per item, in order. Throwing fails the batch:
  // the processor then bisects it so that only the bad item fails and its neighbours succeed.
  processFunc: async (batch) => {
    await new Promise((resolve) => setTimeout(resolve, 2)); // stand-in for real I/O
    if (batch.some((x) => x < 0)) throw new Error('negative measurement');
    return batch.map((x) => Math.sqrt(x));
  },
  initialBatchSize: 50,
  minBatchSize: 10,
  maxBatchSize: 200,
  maxWorkers: 4, // batches in flight for processItemsParallel
});

// One outcome per item, in input order: { ok: true, value } or { ok: false, error }.
const outcomes = await processor.processItemsParallel(items);
const ok = outcomes.filter((o) => o.ok);
const failed = outcomes.filter((o) => !o.ok);
console.log(`processed ${outcomes.length} items: ${ok.length} ok, ${failed.length} failed`);
for (const f of failed) if (!f.ok) console.log(`failed item ${f.item}: ${f.error.message}`);
const first = outcomes[0];
if (first?.ok) console.log(`first result: sqrt(${first.item}) = ${first.value}`);

const stats = processor.getStats();
console.log(
  `batches ${stats.batchCount}, sizes ${stats.batchSizes.min}-${stats.batchSizes.max} ` +
    `(median ${stats.batchSizes.median}), ${Math.round(stats.itemsPerSecond)} items/s, ` +
    `error rate ${stats.errorRate.toFixed(3)}`,
);
await processor.close();
