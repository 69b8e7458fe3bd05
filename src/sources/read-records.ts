/**
 * Convenience: open a path (or `-`), detect its format and yield its records; or yield molecule rows
 * and rejects through a source profile.
 */
import { readCsvRecords } from '../parse/csv-records.js';
import { readSdfRecords } from '../parse/sdf-records.js';
import { toMoleculeRow } from '../transform/to-molecule-row.js';
import type { DataSource, InputFormat, MoleculeRow, Reject, SourceRecord } from '../types.js';
import { openInput, type OpenedInput, type OpenInputOptions } from './open-input.js';

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
}

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
    yield* readSdfRecords(input.stream, input.file);
  } else {
    yield* readCsvRecords(input.stream, input.file, { delimiter: options.delimiter, header: options.header });
  }
}

export async function* readMolecules(
  path: string,
  options: ReadRecordsOptions & { source: DataSource },
): AsyncGenerator<MoleculeRow | Reject> {
  for await (const record of readRecords(path, options)) {
    yield toMoleculeRow(record, options.source, { idField: options.idField });
  }
}
