import { z } from 'zod';
import { defineRpc } from '../define.js';

export const SERVICE_NAMES = [
  'idp-gateway',
  'accounts',
  'otp-sender',
  'activation',
  'registration-authority',
  'notary',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const StatusReply = z.object({
  service: z.enum(SERVICE_NAMES),
  instance: z.string(),
  version: z.string(),
  startedAt: z.string().datetime(),
  ready: z.boolean(),
  checks: z.record(z.string(), z.string()),
});

const statusRpc = <S extends string>(subject: S) =>
  defineRpc(
    subject,
    z.object({}).strict(),
    StatusReply,
    'Which instance answered and whether its dependencies answer.',
  );

/**
 * `idp.rpc.<service>.status.v1`: answered by one instance of the service (queue group). Operators
 * and tests use it to see that the service is reachable over NATS and that instances share load.
 */
export const serviceStatus = {
  'idp-gateway': statusRpc('idp.rpc.idp-gateway.status.v1'),
  accounts: statusRpc('idp.rpc.accounts.status.v1'),
  'otp-sender': statusRpc('idp.rpc.otp-sender.status.v1'),
  activation: statusRpc('idp.rpc.activation.status.v1'),
  'registration-authority': statusRpc('idp.rpc.registration-authority.status.v1'),
  notary: statusRpc('idp.rpc.notary.status.v1'),
} as const;
