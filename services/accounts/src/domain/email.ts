import { DomainError } from '@idp/events';
import { z } from '@idp/config';

// zod's e-mail rule (the one the RPC contracts apply) rather than a home-made regular expression.
const EmailSyntax = z.email();

/**
 * An e-mail address as an account name or a contact address: trimmed, lower-cased (one account per
 * mailbox; providers treat the local part case-insensitively in practice), at most 254 characters
 * (RFC 5321 path limit) with a local part of at most 64.
 */
export function parseEmail(input: string): string {
  const email = input.trim().toLowerCase();
  const local = email.slice(0, email.lastIndexOf('@'));
  if (email.length > 254 || local.length > 64 || !EmailSyntax.safeParse(email).success) {
    throw new DomainError('invalid_argument', 'accounts.invalid_email', {
      message: 'is not an e-mail address',
    });
  }
  return email;
}
