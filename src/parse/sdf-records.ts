/**
 * `readSdfRecords`: bytes (or text) in, `SdfRecord`s out, one at a time. Memory holds one record at a
 * time plus one input chunk, whatever the file size.
 */
import type { SdfRecord } from '../types.js';
import { parseSdfRecord } from './sdf-record.js';
import { SdfSplitter, type SplitRecord } from './sdf-splitter.js';
import { invalidUtf8Problem, Utf8Decoder } from './utf8.js';

/** Options of {@link readSdfRecords}. */
export interface ReadSdfOptions {
  /**
   * Asked as each record is parsed (the consumer's `next()`): whether to parse its data fields.
   * When not, the record's `fields` is empty and `fieldsFrom` says where they start in `raw`.
   * @default always
   */
  parseFields?: () => boolean;
}

/**
 * Split SDF text (V2000/V3000, LF or CRLF, last record without `$$$$`) into records with their
 * molfile, data items, ordinal and line. Invalid UTF-8 becomes a record `problem`, never a throw.
 */
export async function* readSdfRecords(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  file: string,
  options: ReadSdfOptions = {},
): AsyncGenerator<SdfRecord> {
  const { parseFields } = options;
  const decoder = new Utf8Decoder();
  const splitter = new SdfSplitter();
  for await (const chunk of input) {
    for (const text of decoder.pieces(chunk)) {
      const records = splitter.push(text);
      for (const r of records) yield toSdfRecord(r, file, decoder.sawInvalid, parseFields?.() ?? true);
    }
  }
  const tail = decoder.end();
  const last = [...(tail.length > 0 ? splitter.push(tail) : []), ...splitter.end()];
  for (const r of last) yield toSdfRecord(r, file, decoder.sawInvalid, parseFields?.() ?? true);
}

/** Build an `SdfRecord` from a split record (pure); its data fields left in the text unless `withFields`. */
export function toSdfRecord(
  split: SplitRecord,
  file: string,
  checkUtf8 = false,
  withFields = true,
): SdfRecord {
  const raw = split.text;
  const parsed = parseSdfRecord(raw, withFields);
  let problem = parsed.problem;
  if (checkUtf8) {
    const bad = invalidUtf8Problem(raw, split.line);
    if (bad !== undefined) problem = problem === undefined ? bad : `${bad}; ${problem}`;
  }
  const record: SdfRecord = {
    format: 'sdf',
    file,
    record: split.ordinal,
    line: split.line,
    raw,
    molfile: parsed.molfile,
    title: parsed.title,
    fields: parsed.fields,
    atomCount: parsed.atomCount,
    ctabVersion: parsed.ctabVersion,
    problem,
    bytes: Buffer.byteLength(raw, 'utf8'),
    crlf: split.crlf,
  };
  if (parsed.fieldsFrom !== undefined) record.fieldsFrom = parsed.fieldsFrom;
  return record;
}
