import type { RpcHandler } from '@idp/events';
import type { Deps } from '../ports.js';
import { changePassword } from './change-password.js';
import { confirmEmail } from './confirm-email.js';
import { activateSmsPass } from './activate-smspass.js';
import { correctIdentity } from './correct-identity.js';
import { createAccount } from './create-account.js';
import { disclosePersonalData } from './disclose-personal-data.js';
import { personKeyStatus } from './person-key-status.js';
import { getPersonalData, updateContactData } from './personal-data.js';
import { requestPasswordReset, resetPassword } from './password-reset.js';
import { getTerms, register } from './register.js';
import { findByTaxNumber } from './find-by-tax-number.js';
import { getAttributes } from './get-attributes.js';
import { getOtpDestination } from './get-otp-destination.js';
import { addPhone, cancelSmsPass, deleteAccount, exportPersonalData, removePhone } from './user-pages.js';
import { verifyPassword } from './verify-password.js';

/** Every RPC this service answers. */
export const accountsHandlers = (d: Deps): RpcHandler[] => [
  verifyPassword(d),
  getAttributes(d),
  getOtpDestination(d),
  createAccount(d),
  getTerms(d),
  register(d),
  confirmEmail(d),
  requestPasswordReset(d),
  resetPassword(d),
  changePassword(d),
  getPersonalData(d),
  updateContactData(d),
  findByTaxNumber(d),
  activateSmsPass(d),
  correctIdentity(d),
  disclosePersonalData(d),
  personKeyStatus(d),
  addPhone(d),
  cancelSmsPass(d),
  removePhone(d),
  exportPersonalData(d),
  deleteAccount(d),
];
