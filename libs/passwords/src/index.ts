export * from './argon2.js';
