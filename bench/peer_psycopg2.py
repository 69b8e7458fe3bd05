#!/usr/bin/python3
"""The peer: a straightforward Python loader, as a chemist would write it.

Plain-text SDF parsing (gzip, split on $$$$, fields by "> <name>"), the same columns molimport
writes, psycopg2 `execute_values` in batches of BATCH rows (page_size 1,000), one transaction per
batch, `INSERT ... ON CONFLICT (source, external_id) DO UPDATE`. No RDKit, no validation beyond
"has an ID". Prints one JSON line: {"rows": n, "seconds": s, "peak_rss_kb": k}.

usage: /usr/bin/python3 peer_psycopg2.py DSN SCHEMA.TABLE FILE.sdf.gz [BATCH]
"""
import gzip
import json
import resource
import sys
import time

import psycopg2
from psycopg2.extras import execute_values

dsn, table, path = sys.argv[1], sys.argv[2], sys.argv[3]
BATCH = int(sys.argv[4]) if len(sys.argv) > 4 else 5000

COLS = ("source", "external_id", "name", "smiles", "inchi", "inchikey", "formula", "mol_weight",
        "molfile", "properties", "source_file", "source_record")
UPDATE = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLS[2:])
SQL = (f"INSERT INTO {table} ({', '.join(COLS)}) VALUES %s "
       f"ON CONFLICT (source, external_id) DO UPDATE SET {UPDATE}, updated_at = now()")


def records(f):
    buf = []
    for line in f:
        if line.startswith("$$$$"):
            yield "".join(buf)
            buf = []
        else:
            buf.append(line)


def parse(text):
    end = text.find("M  END")
    if end < 0:
        return None
    end = text.find("\n", end) + 1
    molfile, rest = text[:end], text[end:]
    fields = {}
    name = None
    for line in rest.split("\n"):
        if line.startswith(">"):
            lt, gt = line.find("<"), line.find(">", 2)
            name = line[lt + 1:gt] if lt > 0 and gt > lt else None
            if name is not None:
                fields[name] = ""
        elif name is not None:
            if line == "":
                name = None
            else:
                fields[name] = line if fields[name] == "" else fields[name] + "\n" + line
    return molfile, fields


def main():
    started = time.perf_counter()
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    rows, batch, n = [], 0, 0
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for i, text in enumerate(records(f), 1):
            parsed = parse(text)
            if parsed is None:
                continue
            molfile, fields = parsed
            cid = fields.get("PUBCHEM_COMPOUND_CID")
            if not cid:
                continue
            mw = fields.get("PUBCHEM_MOLECULAR_WEIGHT")
            rows.append(("pubchem", cid, fields.get("PUBCHEM_IUPAC_NAME"),
                         fields.get("PUBCHEM_OPENEYE_CAN_SMILES"), fields.get("PUBCHEM_IUPAC_INCHI"),
                         fields.get("PUBCHEM_IUPAC_INCHIKEY"), fields.get("PUBCHEM_MOLECULAR_FORMULA"),
                         float(mw) if mw else None, molfile, json.dumps(fields), path, i))
            if len(rows) >= BATCH:
                execute_values(cur, SQL, rows, page_size=1000)
                conn.commit()
                n += len(rows)
                rows = []
    if rows:
        execute_values(cur, SQL, rows, page_size=1000)
        conn.commit()
        n += len(rows)
    conn.close()
    print(json.dumps({"rows": n, "seconds": time.perf_counter() - started,
                      "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


main()
