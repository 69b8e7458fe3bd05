// Public entry point. Each layer re-exports its public face from its own index.
export * from './errors.js';
export * from './types.js';
