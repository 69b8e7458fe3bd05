#!/usr/bin/env node
// The reading pipeline once, in this process, as the CLI runs it: read + gunzip, UTF-8 decoding and
// splitting, field extraction, transform, rows packed as the CLI packs them (a first import's) and
// the COPY binary of batches of 1,000 copied from them (the bytes are dropped). No database. For
// instruction counts that do not depend on the machine's load:
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
const { toMoleculeRow, toMoleculeColumns, isReject } = await dist('transform/to-molecule-row.js');
const { directCopyChunks } = await dist('sink/molecule-writer.js');
const { RowArena } = await dist('sink/packed-rows.js');
const arena = new RowArena({ printed: false });

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
  for (const row of batch) row.release();
  batch = [];
};
const mapped = [];
for await (const record of readRecords(positionals[0], {})) {
  records++;
  // A build before toMoleculeColumns builds the properties as an object, and packs that.
  mapped.length = 0;
  const row = toMoleculeColumns
    ? toMoleculeColumns(record, values.source, {}, mapped)
    : toMoleculeRow(record, values.source, {});
  if (isReject(row)) continue;
  batch.push(
    toMoleculeColumns
      ? arena.packColumns(row, record.fields, mapped, record.raw)
      : arena.pack(row, record.raw),
  );
  if (batch.length === 1000) flush();
}
flush();
console.log(JSON.stringify({ records, copyBytes: bytes }));
