import { EXIT_FATAL, MolimportError } from '../errors.js';

/**
 * The chemistry toolkit itself is unusable (WASM module fails to load, workers cannot start).
 * A bad molecule is never this: it becomes a reject or a warning.
 *
 * Lives here until the lead moves it into `src/errors.ts`, which already reserves its code.
 */
export class ChemistryError extends MolimportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MOLIMPORT_CHEMISTRY', EXIT_FATAL, options);
  }
}
