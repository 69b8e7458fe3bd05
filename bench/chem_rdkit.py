#!/usr/bin/python3
"""Peer for bench/chem-speed.mjs: Debian's python3-rdkit on the same SDF, same run.

Reads the file (gzip or plain), splits it into molblocks *before* timing, then times
MolFromMolBlock (sanitize, remove Hs: what the WASM worker does) plus, per record,
InChI -> InChIKey when this RDKit build has InChI, and canonical SMILES always (so there is a
like-for-like row even when InChI is missing). Prints one JSON object on stdout.

Debian bookworm's python3-rdkit (2022.09.3) is built WITHOUT InChI: `inchikey` is then null and
`inchi_available` false; the caller says so loudly.

    /usr/bin/python3 bench/chem_rdkit.py FILE [--repeat N] [--keys OUT.tsv]
"""
import gzip
import json
import sys
import time


def read_blocks(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline=None) as fh:
        text = fh.read()
    blocks = []
    for chunk in text.split("$$$$"):
        end = chunk.find("M  END")
        if end < 0:
            continue
        block = chunk[: end + len("M  END")].lstrip("\n")
        blocks.append(block + "\n")
    return blocks


def main():
    args = sys.argv[1:]
    path = args[0]
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 1
    keys_out = args[args.index("--keys") + 1] if "--keys" in args else None

    from rdkit import Chem, RDLogger, rdBase
    from rdkit.Chem import inchi

    RDLogger.DisableLog("rdApp.*")
    has_inchi = bool(getattr(inchi, "INCHI_AVAILABLE", False))
    blocks = read_blocks(path) * repeat

    def run(with_inchi, with_smiles):
        keys = []
        failed = 0
        t0 = time.perf_counter()
        for block in blocks:
            mol = Chem.MolFromMolBlock(block, sanitize=True, removeHs=True)
            if mol is None:
                failed += 1
                keys.append(None)
                continue
            key = None
            if with_inchi:
                key = inchi.MolToInchiKey(mol) or None
            if with_smiles:
                Chem.MolToSmiles(mol)
            keys.append(key)
        return time.perf_counter() - t0, failed, keys

    result = {
        "rdkit": rdBase.rdkitVersion,
        "inchi_available": has_inchi,
        "records": len(blocks),
    }
    seconds, failed, _ = run(False, True)
    result["smiles_seconds"] = seconds
    result["parse_failed"] = failed
    if has_inchi:
        seconds, failed, keys = run(True, False)
        result["inchikey_seconds"] = seconds
        if keys_out:
            with open(keys_out, "w") as fh:
                for key in keys:
                    fh.write((key or "") + "\n")
    else:
        result["inchikey_seconds"] = None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
