import { otpRpc, rpcHandler } from '@idp/events';
import type { DevSmsReader } from '../ports.js';

/**
 * Serves idp.rpc.otp.dev_messages.v1 for the gateway's /dev/sms page, so the gateway never reads
 * otp-sender's files. main.ts registers it only with the development sink outside production.
 */
export const devMessages = (reader: DevSmsReader) =>
  rpcHandler(otpRpc.devMessages, async (req) => ({ messages: await reader.recent(req.limit, req.to) }));
