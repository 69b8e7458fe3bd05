export * from './detect-format.js';
export * from './open-input.js';
export * from './read-records.js';
