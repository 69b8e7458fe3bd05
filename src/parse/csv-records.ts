/**
 * `readCsvRecords`: CSV/TSV bytes in, `CsvRecord`s out, one at a time, with csv-parse doing the
 * quoting. Delimiter and header are sniffed from the first lines unless given. A row with the wrong
 * number of columns is a record with a `problem`, not an exception.
 */
import { parse, type CsvError } from 'csv-parse';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MolimportError, ParseError } from '../errors.js';
import type { CsvRecord } from '../types.js';
import { firstLines, hasHeaderRow, normaliseHeader, sniffDelimiter, syntheticColumns } from './csv-sniff.js';
import { invalidUtf8Problem, Utf8Decoder } from './utf8.js';

export interface CsvReadOptions {
  /** Field delimiter (e.g. `,`, `\t`, `;`, a space); sniffed from the first lines when absent. */
  delimiter?: string;
  /** Whether the first row is a header; sniffed when absent. */
  header?: boolean;
  /** Column names to use instead of the header / synthetic names. */
  columns?: readonly string[];
}

/** Parsed records waiting for the consumer before more text is fed to the parser. */
const QUEUE_HIGH_WATER = 1_000;

/** How much text is collected before sniffing. */
const SNIFF_CHARS = 65_536;

interface CsvParseOutput {
  record: string[];
  raw: string;
  info: { lines: number; empty_lines: number; error?: CsvError };
}

/**
 * Read CSV/TSV rows (delimiter sniffed; quoting, BOM, CRLF handled by csv-parse) as records keyed
 * by header. A row with the wrong number of columns becomes a record `problem`, never a throw.
 */
export async function* readCsvRecords(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  file: string,
  options: CsvReadOptions = {},
): AsyncGenerator<CsvRecord> {
  const decoder = new Utf8Decoder();
  const iterator = toAsyncIterator(input);

  // Collect the start for sniffing.
  let head = '';
  let done = false;
  while (head.length < SNIFF_CHARS) {
    const r = await iterator.next();
    if (r.done === true) {
      done = true;
      head += decoder.end();
      break;
    }
    head += decoder.decode(r.value);
  }
  const delimiter = options.delimiter ?? sniffDelimiter(firstLines(head, 20, done));

  // Records are taken from on_record into our own queue, not read from the stream: a stream that
  // fails (an unclosed quote at the end) drops what it had buffered, and with it the good rows
  // before the failure. Feeding waits for the queue to drain, so memory stays bounded.
  const queue: CsvParseOutput[] = [];
  /** The consumer stopped early: stop feeding. */
  let abandoned = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    // Space-separated lists (CID SMILES) may pad with several spaces.
    ltrim: delimiter === ' ',
    raw: true,
    info: true,
    on_record: (out: unknown) => {
      queue.push(out as CsvParseOutput);
      notify();
      return null;
    },
  });
  parser.resume();

  async function* text(): AsyncGenerator<string> {
    const drained = async (): Promise<void> => {
      while (queue.length > QUEUE_HIGH_WATER && !abandoned)
        await new Promise<void>((resolve) => (wake = resolve));
    };
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      await drained();
      const r = await iterator.next();
      if (r.done === true) break;
      yield* decoder.pieces(r.value);
    }
    const rest = decoder.end();
    if (rest.length > 0) yield rest;
  }
  /** Boxed, so an error that is itself `undefined` or `null` still counts as one. */
  let failure: { error: unknown } | undefined;
  let finished = false;
  // pipeline() forwards a read error (truncated gzip, EIO) to the parser; it is thrown below once
  // every record parsed before it has been handed out.
  const feeding = pipeline(Readable.from(text()), parser)
    .catch((err: unknown) => {
      failure = { error: err };
    })
    .finally(() => {
      finished = true;
      notify();
    });
  async function* parsed(): AsyncGenerator<CsvParseOutput> {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        if (queue.length <= QUEUE_HIGH_WATER) notify();
        yield next;
        continue;
      }
      if (finished) {
        if (failure !== undefined) throw failure.error;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  let columns: string[] | undefined = options.columns ? [...options.columns] : undefined;
  let headerPending = options.header;
  let ordinal = 0;
  // Line numbers are counted here: csv-parse's `info.lines` counts a CRLF inside a quoted field twice.
  let nextLine = 1;
  let emptyLines = 0;
  try {
    for await (const out of parsed()) {
      const cells = out.record;
      const raw = trimLineEnds(out.raw);
      const line = nextLine + (out.info.empty_lines - emptyLines);
      emptyLines = out.info.empty_lines;
      nextLine = line + countLineBreaks(raw) + 1;
      if (headerPending === undefined) headerPending = hasHeaderRow(cells);
      if (columns === undefined) {
        if (headerPending) {
          headerPending = false;
          columns = normaliseHeader(cells);
          continue;
        }
        columns = syntheticColumns(cells);
      } else if (headerPending) {
        headerPending = false;
        continue;
      }
      const fields = new Map<string, string>();
      const n = Math.min(cells.length, columns.length);
      for (let i = 0; i < n; i++) fields.set(columns[i] as string, cells[i] as string);
      let problem: string | undefined;
      if (cells.length !== columns.length) {
        problem = `wrong number of columns: expected ${columns.length}, found ${cells.length}`;
        const spans = countLineBreaks(raw);
        if (spans > 0 && raw.includes('"'))
          problem += `; a quoted field opened on line ${line} runs over ${spans + 1} lines (an unbalanced quote takes in the rows after it, up to the next quote)`;
        for (let i = n; i < cells.length; i++) fields.set(`column${i + 1}`, cells[i] as string);
      }
      if (decoder.sawInvalid) {
        const bad = invalidUtf8Problem(raw, line);
        if (bad !== undefined) problem = problem === undefined ? bad : `${bad}; ${problem}`;
      }
      yield {
        format: 'csv',
        file,
        record: ++ordinal,
        line,
        raw,
        fields,
        columns,
        problem,
        bytes: Buffer.byteLength(raw, 'utf8'),
      };
    }
  } catch (err) {
    if (err instanceof MolimportError) throw err;
    const e = err as CsvError & { lines?: number };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      // Every complete record before it was read; the rest of the file is inside the open quote.
      throw new ParseError(
        `${file}: a quoted field opened on line ${nextLine} is never closed: the file ends inside it (lines ${nextLine}–end not imported; the ${ordinal} records before were read)`,
        file,
        nextLine,
        { cause: err },
      );
    }
    throw new ParseError(`${file}: cannot parse as delimited text (${e.message})`, file, e.lines, {
      cause: err,
    });
  } finally {
    abandoned = true;
    notify();
    parser.destroy();
    await feeding;
  }
}

function toAsyncIterator<T>(input: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in input) return input[Symbol.asyncIterator]();
  const it = input[Symbol.iterator]();
  // The executor turns a synchronous throw of the iterator into a rejection, as `next` promises.
  return { next: () => new Promise((resolve) => resolve(it.next())) };
}

function trimLineEnds(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 10 || s.charCodeAt(a) === 13)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 10 || s.charCodeAt(b - 1) === 13)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** CRLF, LF and lone CR each count once. */
function countLineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}
