/**
 * The run's input as one stream of engine items: every record of every file, in order, as a row
 * or a reject (rejects travel through the engine too, so each batch's ledger range covers every
 * record it holds and a resume skips exactly what was committed).
 */
import { InputError, ParseError } from '../errors.js';
import { readRecords } from '../sources/read-records.js';
import { type OpenedInput } from '../sources/open-input.js';
import {
  isReject,
  keyFieldName,
  missingIdColumn,
  toMoleculeColumns,
  toMoleculeKey,
  withProperties,
  type TransformOptions,
} from '../transform/to-molecule-row.js';
import { FIELD_COLUMN } from '../chem/fields.js';
import { toSdfRecord } from '../parse/sdf-records.js';
import { firstFieldValue, parseDataFields } from '../parse/sdf-record.js';
import {
  encodeDataFields,
  PackedMoleculeRow,
  type FieldEncoding,
  type RowArena,
} from '../sink/packed-rows.js';
import type { PackingHint } from './packing-hint.js';
import type {
  MoleculeColumns,
  MoleculeRow,
  Reject,
  RejectKind,
  RowKey,
  SdfRecord,
  SourceRecord,
} from '../types.js';
import type { ResolvedImportConfig } from './config.js';
import type { ImportEventListener } from './events.js';
import { REJECT_FIELD_PREFIX } from './rejects-writer.js';
import type { ResumePlan } from './resume.js';
import { remoteOptions, type PreparedInput } from './inputs.js';
import type { KeysInFlight } from './keys-in-flight.js';
import type { RunTally } from './run-tally.js';

export interface WorkItem {
  fileIndex: number;
  /** Identifies the file in the resume ledger. */
  fileKey: string;
  /** Global order of the record in the run: later records win over earlier ones with the same ID. */
  seq: number;
  /**
   * Batch weight in bytes, for records without an atom count; the strategy makes batches of huge
   * records smaller. SDF records carry `atomCount` instead, which tracks the work per record better.
   */
  weight?: number;
  /** Atoms of the molecule (SDF counts line), read by ChemicalDataBatchStrategy.itemWeight. */
  atomCount?: number;
  record: SourceRecord;
  row?: MoleculeRow;
  reject?: Reject;
}

/** What the progress events read while the current file streams. */
export interface FileProgress {
  fileIndex: number;
  bytesRead: () => number;
  totalBytes: number | null;
  /** Records read from the current file so far. */
  fileRead: number;
}

const NO_FIELDS = new Map<string, string>();

/** 2^32 records per file leaves room for 2^21 files inside a safe integer. */
const FILE_STRIDE = 2 ** 32;

export async function* readWorkItems(
  cfg: ResolvedImportConfig,
  ctx: {
    signal: AbortSignal;
    resume: ResumePlan | undefined;
    tally: RunTally;
    progress: FileProgress;
    emit: ImportEventListener;
    onInputError: (err: InputError | ParseError) => void;
    /** Bytes on disk of all inputs together; null when one is stdin. */
    inputBytes: number | null;
    /** Checksums, downloads and skips decided before reading (see inputs.ts). @default read each path as given */
    inputs?: readonly PreparedInput[];
    /** Registers each item read (see keys-in-flight.ts). @default none */
    keysInFlight?: KeysInFlight;
    /** Packs SDF rows until their batch is written (see packed-rows.ts). @default rows as they are */
    arena?: RowArena;
    /** When to pack SDF rows as their record text only (see packing-hint.ts). @default never */
    packingHint?: PackingHint;
  },
): AsyncGenerator<WorkItem> {
  let total = 0;
  const transformOptions: TransformOptions = { idField: cfg.idField };
  // --recompute replaces the file's identifiers: the file's own values stay as properties.
  if (cfg.recompute && cfg.compute.size > 0)
    transformOptions.keepInProperties = new Set([...cfg.compute].map((f) => FIELD_COLUMN[f]));
  // A row packed as text: its data fields, made from its text as they were when it was read.
  const encodeFromText: FieldEncoding = (text, origin) => {
    const record = toSdfRecord(
      { text, line: origin.line, ordinal: origin.record, terminated: true, crlf: false },
      origin.file,
    );
    dropRejectFields(record);
    const except: string[] = [];
    const columns = toMoleculeColumns(record, cfg.source, transformOptions, except);
    // The same text through the same functions: it was a row when read, and is one now.
    if (isReject(columns))
      throw new Error(`${origin.file}: record ${origin.record} became a reject on a second reading`);
    return encodeDataFields(columns, record.fields, except);
  };
  // While rows are packed as text only, the reader leaves each record's data fields in its text and
  // the row is keyed from its first ID field alone. Not for an ID field dropRejectFields drops.
  const hint = ctx.arena !== undefined ? ctx.packingHint : undefined;
  const keyField = hint !== undefined ? keyFieldName(cfg.source, transformOptions) : undefined;
  const parseSdfFields =
    hint !== undefined && keyField !== undefined && !keyField.startsWith(REJECT_FIELD_PREFIX)
      ? () => !hint.textOnly
      : undefined;
  /** The key of a record read without its fields; else undefined, and its fields parsed after all. */
  const keyFromText = (record: SdfRecord, from: number): RowKey | undefined => {
    // A record comes without its fields only when there is a key field (parseSdfFields).
    const value = firstFieldValue(record.raw, from, keyField as string);
    const key = toMoleculeKey(record, cfg.source, transformOptions, value);
    if (key === undefined) {
      record.fields = parseDataFields(record.raw, from);
      record.fieldsFrom = undefined;
    }
    return key;
  };
  for (let fileIndex = 0; fileIndex < cfg.files.length; fileIndex++) {
    if (ctx.signal.aborted) return;
    const file = cfg.files[fileIndex]!;
    const fileKey = file;
    const skip = ctx.resume?.skipperFor(fileIndex);
    ctx.tally.startFile(fileIndex, file);
    const prepared = ctx.inputs?.[fileIndex];
    if (prepared) ctx.tally.fileInput(fileIndex, prepared);
    if (prepared?.error) {
      ctx.onInputError(prepared.error);
      ctx.emit({ type: 'warning', message: prepared.error.message });
      continue;
    }
    if (prepared && prepared.unchangedSinceRun !== null) {
      ctx.emit({
        type: 'warning',
        message: `${file}: unchanged since run ${prepared.unchangedSinceRun} (same ${prepared.expected?.algorithm ?? 'md5'} ${prepared.expected?.hex ?? ''}); skipped (--force imports it again)`,
      });
      continue;
    }
    let opened: OpenedInput | undefined;
    const onOpen = (input: OpenedInput): void => {
      opened = input;
      ctx.progress.fileIndex = fileIndex;
      ctx.progress.bytesRead = () => input.bytesRead();
      ctx.progress.totalBytes = input.totalBytes ?? null;
      ctx.progress.fileRead = 0;
      ctx.tally.fileOpened(fileIndex, input);
      ctx.emit({
        type: 'file-start',
        index: fileIndex,
        fileCount: cfg.files.length,
        inputBytes: ctx.inputBytes,
        path: file,
        totalBytes: input.totalBytes ?? null,
        compressed: input.compressed,
      });
    };
    let limitReached = false;
    let seen = 0;
    // The keys each record's columns took (toMoleculeColumns), one array for the file's records.
    const mapped: string[] = [];
    let failed = false;
    try {
      const records = readRecords(prepared?.readFrom ?? file, {
        format: cfg.format,
        stdin: cfg.stdin as never,
        onOpen,
        remote: remoteOptions(cfg, ctx.signal),
        // A downloaded copy was verified before the run read it.
        checksum: prepared?.downloaded ? undefined : prepared?.expected,
        hash: cfg.checksum !== 'none',
        ...(parseSdfFields ? { parseSdfFields } : {}),
      });
      for await (const record of records) {
        if (cfg.limit !== undefined && total >= cfg.limit) {
          limitReached = true;
          break;
        }
        total++;
        ctx.tally.parsed++;
        ctx.progress.fileRead++;
        // A CSV without the ID column would reject every row: say so once, for the file.
        if (seen++ === 0 && record.format === 'csv') {
          const missing = missingIdColumn(record.columns, cfg.source, { idField: cfg.idField });
          if (missing) {
            total--;
            ctx.tally.parsed--;
            ctx.progress.fileRead--;
            throw new InputError(`${file}: ${missing}; name the ID column with --id-field`, file);
          }
        }
        if (skip?.(record.record)) {
          ctx.tally.count(fileIndex, 'skipped');
          continue;
        }
        const key =
          record.format === 'sdf' && record.fieldsFrom !== undefined
            ? keyFromText(record, record.fieldsFrom)
            : undefined;
        dropRejectFields(record);
        mapped.length = 0;
        const out = key ?? toMoleculeColumns(record, cfg.source, transformOptions, mapped);
        const item: WorkItem = {
          fileIndex,
          fileKey,
          seq: fileIndex * FILE_STRIDE + record.record,
          record,
        };
        if (record.format === 'sdf' && record.atomCount !== undefined && record.atomCount > 0)
          item.atomCount = record.atomCount;
        else item.weight = record.bytes;
        if (isReject(out)) {
          if (out.format === 'csv' && record.format === 'csv') out.fields = record.fields;
          item.reject = out;
        } else {
          // An SDF row is packed straight from its fields: its properties are never an object.
          // Or as its text only, its columns encoded again from it if a batch writes it after all.
          // A record read without its fields has only its key (keyFromText).
          const arena = record.format === 'sdf' ? ctx.arena : undefined;
          const columns = out as MoleculeColumns;
          item.row = !arena
            ? withProperties(columns, record.fields, mapped)
            : key !== undefined || ctx.packingHint?.textOnly === true
              ? arena.packText(out, record.raw, encodeFromText)
              : arena.packColumns(columns, record.fields, mapped, record.raw);
          // The row holds what the fields said; an SDF reject needs only the raw text. Dropping the
          // map saves ~1.5 KB per record in flight (measured with heap snapshots in bench/).
          if (record.format === 'sdf') {
            record.fields = NO_FIELDS;
            if (arena) {
              // Held as bytes until written (packed-rows.ts): nothing left points into the input.
              record.raw = '';
              record.molfile = '';
              record.title = '';
            }
          }
        }
        ctx.keysInFlight?.add(item);
        yield item;
        if (ctx.signal.aborted) return;
      }
    } catch (err) {
      if (err instanceof InputError || err instanceof ParseError) {
        failed = true;
        // Good records before the fault are kept; the run goes on with the next file and fails at the end.
        ctx.onInputError(err);
        ctx.emit({ type: 'warning', message: err.message });
      } else {
        throw err;
      }
    }
    if (seen === 0 && !failed && !ctx.signal.aborted && !(cfg.limit !== undefined && total >= cfg.limit)) {
      // An empty input is almost always a failed download or a wrong path in a cron job: fail loudly.
      const err = new InputError(`${file}: no records found (the input is empty)`, file, 0);
      ctx.onInputError(err);
      ctx.emit({ type: 'warning', message: err.message });
    }
    if (opened) ctx.tally.fileRead(fileIndex, opened);
    ctx.emit({ type: 'file-end', index: fileIndex, path: file });
    if (limitReached) return;
  }
}

/** A reject carrying the record's own text (SDF record or CSV row), as the rejects file wants it. */
export function rejectFromItem(item: WorkItem, reason: string, kind: RejectKind): Reject {
  const r = item.record;
  return {
    file: r.file,
    record: r.record,
    line: r.line,
    format: r.format,
    reason,
    kind,
    raw: item.row instanceof PackedMoleculeRow ? item.row.recordText() : r.raw,
    ...(r.format === 'csv' ? { columns: r.columns, fields: r.fields } : r.crlf ? { crlf: true } : {}),
  };
}

/**
 * Once its batch has committed, an item only has a status left to report: drop its row and its
 * text. Record text is most of the memory in flight (~6 KB per PubChem record, sliced from the
 * decoded input), and a finished batch can wait for the consumer while later batches run; released,
 * it no longer pins that text (measured: ~1 batch less text live, see bench/README.md).
 */
export function releaseWritten(item: WorkItem): void {
  if (item.row instanceof PackedMoleculeRow) item.row.release();
  item.row = undefined;
  const record = item.record;
  record.raw = '';
  record.fields = NO_FIELDS;
  if (record.format === 'sdf') {
    record.molfile = '';
    record.title = '';
  }
}

/** A rejects file fed back after fixing carries molimport_* fields; they are ours, not the molecule's. */
function dropRejectFields(record: SourceRecord): void {
  if (record.format === 'csv') {
    const own = ownColumns(record.columns);
    if (own === record.columns) return;
    record.columns = own;
  }
  for (const key of record.fields.keys()) {
    if (key.startsWith(REJECT_FIELD_PREFIX)) record.fields.delete(key);
  }
}

/** A header without molimport_* columns (the same array when it has none; computed once per header). */
const ownColumnsOf = new WeakMap<readonly string[], readonly string[]>();
function ownColumns(columns: readonly string[]): readonly string[] {
  let own = ownColumnsOf.get(columns);
  if (own === undefined) {
    const filtered = columns.filter((c) => !c.startsWith(REJECT_FIELD_PREFIX));
    own = filtered.length === columns.length ? columns : filtered;
    ownColumnsOf.set(columns, own);
  }
  return own;
}
