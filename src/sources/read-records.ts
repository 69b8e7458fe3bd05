/**
 * Convenience: open a path (or `-`), detect its format and yield its records; or yield molecule rows
 * and rejects through a source profile.
 */
import { readCsvRecords } from '../parse/csv-records.js';
import { readSdfRecords } from '../parse/sdf-records.js';
import { toMoleculeRow } from '../transform/to-molecule-row.js';
import type { DataSource, InputFormat, MoleculeRow, Reject, SourceRecord } from '../types.js';
import { openInput, type OpenedInput, type OpenInputOptions } from './open-input.js';

/** Options of {@link readRecords} and {@link readMolecules}. */
export interface ReadRecordsOptions extends Pick<OpenInputOptions, 'stdin' | 'remote' | 'checksum' | 'hash'> {
  /** Skip detection. */
  format?: InputFormat;
  /** Source profile, used by `readMolecules` (readRecords accepts it so one options object serves both). */
  source?: DataSource;
  /** The ID field (generic profile). */
  idField?: string;
  /** CSV/TSV delimiter; sniffed when absent. */
  delimiter?: string;
  /** CSV/TSV: whether the first row is a header; sniffed when absent. */
  header?: boolean;
  /** Called once the input is open, e.g. to poll `bytesRead()` / `totalBytes` for progress. */
  onOpen?: (input: OpenedInput) => void;
  /** SDF: asked per record whether to parse its data fields (see `ReadSdfOptions`). @default always */
  parseSdfFields?: () => boolean;
}

/**
 * The records of one input (SDF or CSV/TSV, plain or gzip, detected by content), each carrying its
 * file, ordinal and line; a malformed record carries a `problem` instead of throwing.
 * @throws {InputError} when the input itself cannot be read (see {@link openInput}).
 */
export async function* readRecords(
  path: string,
  options: ReadRecordsOptions = {},
): AsyncGenerator<SourceRecord> {
  const input = await openInput(path, {
    stdin: options.stdin,
    format: options.format,
    remote: options.remote,
    checksum: options.checksum,
    hash: options.hash,
  });
  options.onOpen?.(input);
  if (input.format === 'sdf') {
    yield* readSdfRecords(
      input.stream,
      input.file,
      options.parseSdfFields ? { parseFields: options.parseSdfFields } : {},
    );
  } else {
    yield* readCsvRecords(input.stream, input.file, { delimiter: options.delimiter, header: options.header });
  }
}

/** {@link readRecords} mapped through a source profile: molecule rows, and rejects with their reasons. */
export async function* readMolecules(
  path: string,
  options: ReadRecordsOptions & { source: DataSource },
): AsyncGenerator<MoleculeRow | Reject> {
  for await (const record of readRecords(path, options)) {
    yield toMoleculeRow(record, options.source, { idField: options.idField });
  }
}
