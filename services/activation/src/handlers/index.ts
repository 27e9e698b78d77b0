import type { RpcHandler } from '@idp/events';
import { cancel } from './cancel-request.js';
import { confirmPhone } from './confirm-phone.js';
import { correctionHandlers } from './corrections.js';
import type { Deps } from './deps.js';
import { enterCode } from './enter-code.js';
import { findForOfficer } from './find-for-officer.js';
import { getRequest } from './get-request.js';
import { listLetters, markLetter } from './letters.js';
import { presentCertificate } from './present-certificate.js';
import { requestActivation } from './request-activation.js';

/** Every RPC this service answers (besides its status). */
export const activationHandlers = (d: Deps): RpcHandler[] => [
  requestActivation(d),
  getRequest(d),
  presentCertificate(d),
  enterCode(d),
  confirmPhone(d),
  cancel(d),
  findForOfficer(d),
  listLetters(d),
  markLetter(d),
  ...correctionHandlers(d),
];
