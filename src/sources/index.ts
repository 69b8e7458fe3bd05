export * from './detect-format.js';
export * from './open-input.js';
export * from './read-records.js';
export * from './remote-input.js';
export * from './checksum.js';
