import { activationRpc, rpcHandler } from '@idp/events';
import type { DevMailReader } from './transport.js';

/**
 * Serves idp.rpc.activation.dev_mail.v1 for the gateway's /dev/mail page, so the gateway never reads
 * activation's files. main.ts registers it only with the development sink outside production.
 */
export const devMail = (reader: DevMailReader) =>
  rpcHandler(activationRpc.devMail, async (req) => ({ messages: await reader.recent(req.limit, req.to) }));
