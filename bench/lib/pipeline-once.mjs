#!/usr/bin/env node
// The reading pipeline once, in this process, as the CLI runs it: read + gunzip, UTF-8 decoding and
// splitting, field extraction, transform, COPY binary encoding (batches of 1,000 rows; the bytes are
// dropped). No database. For instruction counts that do not depend on the machine's load:
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out node bench/lib/pipeline-once.mjs FILE [--dist DIR] [--source pubchem]
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dist: { type: 'string', default: new URL('../../dist', import.meta.url).pathname },
    source: { type: 'string', default: 'pubchem' },
  },
});
const dist = (p) => import(pathToFileURL(resolve(values.dist, p)).href);
const { readRecords } = await dist('sources/read-records.js');
const { toMoleculeRow, isReject } = await dist('transform/to-molecule-row.js');
const { directCopyChunks } = await dist('sink/molecule-writer.js');

let batch = [];
let records = 0;
let bytes = 0;
const seqs = Array.from({ length: 1000 }, (_, i) => i);
const flush = () => {
  for (const chunk of directCopyChunks(
    batch,
    seqs,
    batch.map((_, i) => i),
    1,
  ))
    bytes += chunk.length;
  batch = [];
};
for await (const record of readRecords(positionals[0], {})) {
  records++;
  const row = toMoleculeRow(record, values.source, {});
  if (isReject(row)) continue;
  batch.push(row);
  if (batch.length === 1000) flush();
}
flush();
console.log(JSON.stringify({ records, copyBytes: bytes }));
