export { createProgram, runCli } from './program.js';
export type { CliContext } from './context.js';
export { CliError, EXIT, toCliError } from './errors.js';
