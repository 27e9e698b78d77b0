export * from './argon2.js';
export * from './config.js';
export * from './huge-pages.js';
