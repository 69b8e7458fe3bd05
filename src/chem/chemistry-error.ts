/**
 * `ChemistryError` lives in `src/errors.ts` with the other public errors; re-exported here so the
 * chemistry layer's imports keep working.
 */
export { ChemistryError } from '../errors.js';
