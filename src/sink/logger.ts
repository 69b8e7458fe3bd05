import { silentLogger, type Logger } from '../logger.js';

/** The methods of the one {@link Logger} the sink calls. Never pass row values or passwords. */
export type SinkLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

export const SILENT_LOGGER: SinkLogger = silentLogger;
