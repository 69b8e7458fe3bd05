/**
 * Source profiles: which record fields feed which molecule column. Field names are matched exactly
 * first, then case-insensitively; the first candidate present with a usable value wins.
 */
import type { DataSource } from '../types.js';

export interface SourceProfile {
  source: DataSource;
  /** Candidate ID fields, in order. */
  id: readonly string[];
  /** Extract an ID from the SDF title line, or undefined when the title is not one. */
  idFromTitle: (title: string) => string | undefined;
  /** Normalise an ID field's value (e.g. `CID_123` → `123`); undefined rejects it. */
  idFromValue: (value: string, field: string) => string | undefined;
  name: readonly string[];
  smiles: readonly string[];
  inchi: readonly string[];
  inchikey: readonly string[];
  formula: readonly string[];
  molWeight: readonly string[];
}

const CHEMBL_ID = /^CHEMBL\d+$/i;
const PUBCHEM_CID = /^(?:CID[_ ]?)?(\d+)$/i;

/** ChEMBL: the ID from `chembl_id` (and its spellings in web exports and derived CSVs), else the title. */
export const CHEMBL_PROFILE: SourceProfile = {
  source: 'chembl',
  // `chembl_id` in dumps and SDF downloads, `ChEMBL ID` in web TSV exports, `molecule_chembl_id` in
  // API/GLaDOS CSV, `chemblid` / `compound_chembl_id` in common derived CSVs.
  id: ['chembl_id', 'ChEMBL ID', 'molecule_chembl_id', 'chemblid', 'compound_chembl_id'],
  idFromTitle: (title) => {
    const t = title.trim();
    return CHEMBL_ID.test(t) ? t : undefined;
  },
  idFromValue: (value) => value,
  name: ['pref_name', 'chembl_pref_name', 'Name'],
  smiles: ['canonical_smiles', 'Smiles'],
  inchi: ['standard_inchi'],
  inchikey: ['standard_inchi_key', 'Inchi Key'],
  formula: ['full_molformula', 'Molecular Formula'],
  molWeight: ['full_mwt', 'Molecular Weight'],
};

/** PubChem: the ID from `PUBCHEM_COMPOUND_CID` (or `CID`), InChIKey, formula and weight from PubChem's fields. */
export const PUBCHEM_PROFILE: SourceProfile = {
  source: 'pubchem',
  // `PUBCHEM_COMPOUND_CID` in FTP dumps; `CID` in PUG-REST/CSV downloads. `id` is a fallback because
  // (a) headerless CID/SMILES lists get the synthetic column `id` from the CSV reader, and (b) some
  // PubChem-derived SDFs (e.g. Indigo's pubchem_7m_err.sdf) carry the CID only in a field named `id`;
  // it is accepted only when its value is a CID (digits or `CID_123`).
  id: ['PUBCHEM_COMPOUND_CID', 'CID', 'id'],
  // Title `CID_123` (RDKit/OEChem exports without fields) or a bare number (PubChem dumps put the CID
  // on the title line).
  idFromTitle: (title) => PUBCHEM_CID.exec(title.trim())?.[1],
  idFromValue: (value) => PUBCHEM_CID.exec(value)?.[1],
  name: ['PUBCHEM_IUPAC_NAME', 'IUPACName'],
  smiles: [
    'PUBCHEM_OPENEYE_CAN_SMILES',
    'PUBCHEM_SMILES',
    'PUBCHEM_OPENEYE_ISO_SMILES',
    'CanonicalSMILES',
    'IsomericSMILES',
    'SMILES',
  ],
  inchi: ['PUBCHEM_IUPAC_INCHI', 'PUBCHEM_NIST_INCHI', 'InChI'],
  inchikey: ['PUBCHEM_IUPAC_INCHIKEY', 'PUBCHEM_NIST_INCHIKEY', 'InChIKey'],
  formula: ['PUBCHEM_MOLECULAR_FORMULA', 'PUBCHEM_OPENEYE_MF', 'MolecularFormula'],
  molWeight: ['PUBCHEM_MOLECULAR_WEIGHT', 'PUBCHEM_OPENEYE_MW', 'MolecularWeight'],
};

/** Any SDF or CSV: the ID from a field named `id` (or `idField`), else the SDF title line. */
export const GENERIC_PROFILE: SourceProfile = {
  source: 'generic',
  // Without `idField`: a column/field literally named `id` (also the CSV reader's synthetic ID column).
  id: ['id'],
  idFromTitle: (title) => {
    const t = title.trim();
    return t.length > 0 ? t : undefined;
  },
  idFromValue: (value) => value,
  name: ['name', 'pref_name', 'title'],
  smiles: ['smiles', 'canonical_smiles', 'CanonicalSMILES', 'IsomericSMILES'],
  inchi: ['inchi', 'standard_inchi'],
  inchikey: ['inchikey', 'inchi_key', 'standard_inchi_key'],
  formula: ['formula', 'molecular_formula', 'MolecularFormula'],
  molWeight: ['molecular_weight', 'MolecularWeight', 'mol_weight', 'mw'],
};

/** The source profiles by name, as `runImport`'s `source` picks them. */
export const PROFILES: Readonly<Record<DataSource, SourceProfile>> = {
  chembl: CHEMBL_PROFILE,
  pubchem: PUBCHEM_PROFILE,
  generic: GENERIC_PROFILE,
};
