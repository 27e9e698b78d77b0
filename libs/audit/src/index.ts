export * from './seals.js';
export * from './seals-stream.js';
export * from './seals-notary.js';
export * from './verify-trust.js';
export * from './verify-checks.js';
export * from './verify.js';
