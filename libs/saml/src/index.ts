export * from './constants.js';
export * from './metadata.js';
export * from './policy.js';
export * from './registry.js';
export * from './xml.js';
