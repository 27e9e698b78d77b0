export type * from './types.js';
export { verifyAuthnRequest } from './verify-authn-request.js';
export { verifyLogoutRequest } from './verify-logout-request.js';
export { loadSamlSchemas } from './schema.js';
export { SIGNATURE_ALGORITHMS, DIGEST_ALGORITHMS } from './algorithms.js';
