export * from './infrastructure.js';
export * from './wait.js';
export * from './servers.js';
export * from './certificates.js';
