export * from './profiles.js';
export * from './to-molecule-row.js';
