// Preload (`node --import ./bench/lib/pg-cpu-hook.mjs bin/molimport.js …`): the CPU each statement
// costs the PostgreSQL backend that ran it, summed by kind of statement, and this process's own CPU,
// written as JSON to $MOLIMPORT_PG_CPU_OUT at exit. The server must be on this machine: a backend's
// CPU is read from /proc/<pid>/schedstat (nanoseconds on the CPU) at every statement's end, and the
// time since the previous end on that connection goes to the statement (an idle backend uses none).
// Each batch transaction (one that inserts into the resume ledger) is also kept in order as
// [begin ms, end ms, backend CPU ms, rows] (ms since start; rows from the ledger entries), so a
// benchmark can see how a batch's cost moves over a run (bench/growth.mjs).
// Only bench/ uses it; it changes nothing in what molimport does.
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';

const OUT = process.env.MOLIMPORT_PG_CPU_OUT;
const totals = new Map(); // kind → { ns, count }
const batches = []; // [beginMs, endMs, pgMs, rows]
const started = process.hrtime.bigint();
const sinceStart = () => Number(process.hrtime.bigint() - started) / 1e6;

function cpuNs(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** Kind of statement, by its text (see the sink's SQL in src/sink/). */
export function kindOf(text) {
  const t = text.trimStart();
  if (/^COPY /i.test(t)) return /molimport_stage/.test(t) ? 'COPY into staging' : 'COPY into table';
  if (/^BEGIN/i.test(t)) return 'BEGIN';
  if (/^COMMIT/i.test(t)) return 'COMMIT';
  if (/^ROLLBACK/i.test(t)) return 'ROLLBACK';
  if (/molimport_batches/.test(t) && /^INSERT/i.test(t)) return 'ledger INSERT';
  if (/^SELECT 1 FROM .* = ANY\(/s.test(t) || /^SELECT 1 FROM unnest\(/.test(t)) return 'direct-path probe';
  if (/^INSERT INTO .* FROM pg_temp\.molimport_stage/s.test(t)) return 'upsert INSERT … ON CONFLICT';
  if (/^SELECT s\.ord/s.test(t)) return 'upsert: classify existing';
  if (/^SELECT k\.id AS external_id/.test(t)) return 'stored keys: settle by key (+ digest)';
  if (/^UPDATE .* FROM pg_temp\.molimport_stage/s.test(t)) return 'upsert: UPDATE changed';
  if (/^DO \$molimport\$/.test(t)) return 'staging table prepare';
  if (/pg_try_advisory|pg_advisory|pg_locks|molimport_lock/i.test(t)) return 'table lock / fence';
  return 'other bookkeeping';
}

function account(client, kind) {
  const pid = client.processID;
  if (pid === undefined || pid === null) return;
  const now = cpuNs(pid);
  if (now === undefined) return;
  const last = client.__molimportCpu ?? now;
  client.__molimportCpu = now;
  let t = totals.get(kind);
  if (t === undefined) totals.set(kind, (t = { ns: 0, count: 0 }));
  t.ns += now - last;
  t.count++;
  const tx = client.__molimportTx;
  if (tx !== undefined && (kind === 'COMMIT' || kind === 'ROLLBACK')) {
    client.__molimportTx = undefined;
    if (kind === 'COMMIT' && tx.rows > 0)
      batches.push([tx.begin, sinceStart(), (now - tx.cpu) / 1e6, tx.rows]);
  }
}

/** Rows of a ledger INSERT: its second parameter is the JSON array of the batch's ledger entries. */
function ledgerRows(config, values) {
  const json = (Array.isArray(values) ? values : config?.values)?.[1];
  try {
    return JSON.parse(json).reduce((sum, e) => sum + (Number(e.rows) || 0), 0);
  } catch {
    return 0;
  }
}

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function patchedQuery(config, values, callback) {
  // The connection's CPU so far (its start-up included) is set aside at its first statement.
  if (this.__molimportCpu === undefined && this.processID) this.__molimportCpu = cpuNs(this.processID);
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const kind = kindOf(text);
  if (kind === 'BEGIN') this.__molimportTx = { begin: sinceStart(), cpu: this.__molimportCpu, rows: 0 };
  else if (kind === 'ledger INSERT' && this.__molimportTx)
    this.__molimportTx.rows += ledgerRows(config, values);
  const result = query.call(this, config, values, callback);
  if (result && typeof result.then === 'function') {
    result.then(
      () => account(this, kind),
      () => account(this, kind),
    );
  } else if (result && typeof result.on === 'function') {
    // A COPY stream: done when it finishes (the server has confirmed the COPY) or fails.
    let done = false;
    const end = () => {
      if (!done) {
        done = true;
        account(this, kind);
      }
    };
    result.on('finish', end);
    result.on('error', end);
  }
  return result;
};

process.on('exit', () => {
  if (!OUT) return;
  const cpu = process.cpuUsage();
  const ru = process.resourceUsage();
  writeFileSync(
    OUT,
    JSON.stringify({
      wallMs: Number(process.hrtime.bigint() - started) / 1e6,
      nodeUserMs: cpu.user / 1e3,
      nodeSystemMs: cpu.system / 1e3,
      maxRssKb: ru.maxRSS,
      pg: Object.fromEntries([...totals].map(([k, v]) => [k, { ms: v.ns / 1e6, count: v.count }])),
      batches,
    }),
  );
});
