export * from './logger.js';
export * from './metrics.js';
export * from './admin-server.js';
export * from './shutdown.js';
