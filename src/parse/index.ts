export * from './csv-records.js';
export * from './csv-sniff.js';
export * from './molfile.js';
export * from './sdf-record.js';
export * from './sdf-records.js';
export * from './sdf-splitter.js';
export * from './utf8.js';
