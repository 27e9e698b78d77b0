import type { RpcHandler } from '@idp/events';
import type { Deps } from '../ports.js';
import { activateSmsPass } from './activate-smspass.js';
import { createAccount } from './create-account.js';
import { getAttributes } from './get-attributes.js';
import { getOtpDestination } from './get-otp-destination.js';
import { verifyPassword } from './verify-password.js';

/** Every RPC this service answers. */
export const accountsHandlers = (d: Deps): RpcHandler[] => [
  verifyPassword(d),
  getAttributes(d),
  getOtpDestination(d),
  createAccount(d),
  activateSmsPass(d),
];
