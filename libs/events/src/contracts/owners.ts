import { SERVICE_NAMES, type ServiceName } from './services.js';

/** Who takes part in a subject: a service of the mesh, the operator CLI, or people and tooling outside it. */
export type Party =
  | ServiceName
  | 'cli'
  | 'operators'
  /** `consume()` publishes the dead-letter event on behalf of whichever service runs the consumer. */
  | 'any service with a durable consumer';

/** An event, a job or a seal: who publishes it and who reads it (events are also kept in `IDP_EVENTS`). */
export interface MessageOwners {
  kind: 'message';
  producers: readonly Party[];
  consumers: readonly Party[];
}

/** A request: the one service whose queue group answers it, and who calls it. */
export interface RpcOwners {
  kind: 'rpc';
  answeredBy: ServiceName;
  callers: readonly Party[];
}

export type Owners = MessageOwners | RpcOwners;

const message = (producers: readonly Party[], consumers: readonly Party[] = []): MessageOwners => ({
  kind: 'message',
  producers,
  consumers,
});
const rpc = (answeredBy: ServiceName, callers: readonly Party[]): RpcOwners => ({
  kind: 'rpc',
  answeredBy,
  callers,
});

/**
 * Producers and consumers of every catalog subject, for the AsyncAPI document. Keys are an exact
 * subject or a NATS-style prefix ending in `.>`; the exact key wins, then the longest prefix. A new
 * subject without an entry here fails the unit tests.
 */
export const SUBJECT_OWNERS: Readonly<Record<string, Owners>> = {
  'idp.account.>': message(['accounts']),
  'idp.otp.>': message(['otp-sender']),
  'idp.work.sms.>': message(['otp-sender'], ['otp-sender']),
  'idp.work.mail.>': message(['accounts', 'activation'], ['activation']),
  'idp.saml.>': message(['idp-gateway']),
  'idp.session.>': message(['idp-gateway']),
  'idp.messaging.>': message(['any service with a durable consumer'], ['operators']),
  'idp.activation.>': message(['activation']),
  'idp.activation.requested.v1': message(['activation'], ['accounts']),
  'idp.activation.completed.v1': message(['activation'], ['accounts']),
  'idp.activation.expired.v1': message(['activation'], ['accounts']),
  'idp.activation.cancelled.v1': message(['activation'], ['accounts']),
  'idp.activation.rejected.v1': message(['activation'], ['accounts']),
  'idp.activation.blocked.v1': message(['activation'], ['accounts']),
  'idp.ra.>': message(['registration-authority']),
  'idp.ra.identity_confirmed.v1': message(['registration-authority'], ['activation']),
  'idp.ra.request_rejected.v1': message(['registration-authority'], ['activation']),
  'idp.ra.correction_approved.v1': message(['registration-authority'], ['activation']),
  'idp.ra.correction_rejected.v1': message(['registration-authority'], ['activation']),
  'idp.ra.smspass_suspended.v1': message(['registration-authority'], ['accounts']),
  'idp.ra.smspass_reinstated.v1': message(['registration-authority'], ['accounts']),
  'idp.seal.>': message(['notary'], ['cli']),

  'idp.rpc.accounts.verify_password.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.get_attributes.v1': rpc('accounts', ['idp-gateway', 'registration-authority']),
  'idp.rpc.accounts.get_otp_destination.v1': rpc('accounts', ['otp-sender']),
  'idp.rpc.accounts.create_account.v1': rpc('accounts', ['cli']),
  'idp.rpc.otp.>': rpc('otp-sender', ['idp-gateway', 'activation']),
  'idp.rpc.otp.status.v1': rpc('otp-sender', ['idp-gateway', 'accounts']),
  'idp.rpc.accounts.activate_smspass.v1': rpc('accounts', ['activation']),
  'idp.rpc.accounts.correct_identity.v1': rpc('accounts', ['activation']),
  'idp.rpc.accounts.find_by_tax_number.v1': rpc('accounts', ['registration-authority']),
  'idp.rpc.registration-authority.create_officer.v1': rpc('registration-authority', ['cli']),
  'idp.rpc.registration-authority.disable_officer.v1': rpc('registration-authority', ['cli']),
  'idp.rpc.activation.>': rpc('activation', ['idp-gateway']),
  'idp.rpc.activation.find_for_officer.v1': rpc('activation', ['registration-authority']),
  'idp.rpc.activation.list_letters.v1': rpc('activation', ['registration-authority', 'cli']),
  'idp.rpc.activation.mark_letter.v1': rpc('activation', ['registration-authority', 'cli']),
  'idp.rpc.accounts.register.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.get_terms.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.confirm_email.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.request_password_reset.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.reset_password.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.change_password.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.get_personal_data.v1': rpc('accounts', ['idp-gateway', 'activation']),
  'idp.rpc.accounts.update_contact_data.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.disclose_personal_data.v1': rpc('accounts', ['cli']),
  'idp.rpc.accounts.person_key_status.v1': rpc('accounts', ['cli']),
  'idp.rpc.accounts.add_phone.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.remove_phone.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.cancel_smspass.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.export_personal_data.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.accounts.delete_account.v1': rpc('accounts', ['idp-gateway']),
  'idp.rpc.activation.dev_mail.v1': rpc('activation', ['idp-gateway']),
  'idp.rpc.notary.stats.v1': rpc('notary', ['operators']),
  ...Object.fromEntries(SERVICE_NAMES.map((s) => [`idp.rpc.${s}.status.v1`, rpc(s, ['operators'])])),
};

/** The owners entry for a subject: an exact key, else the longest matching `.>` prefix. */
export function ownersOf(subject: string): Owners | undefined {
  const exact = SUBJECT_OWNERS[subject];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(SUBJECT_OWNERS)) {
    if (!key.endsWith('.>')) continue;
    const prefix = key.slice(0, -1);
    if (subject.startsWith(prefix) && (!best || key.length > best.length)) best = key;
  }
  return best ? SUBJECT_OWNERS[best] : undefined;
}
