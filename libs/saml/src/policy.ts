import { z } from 'zod';
import { ATTRIBUTE_KEYS, LOA_ORDER, type AttributeKey, type Loa } from './constants.js';

/** Login methods an SP may accept; each reaches one level of assurance. */
export const LOGIN_METHODS = ['password', 'password_sms'] as const;
export type LoginMethod = (typeof LOGIN_METHODS)[number];
export const METHOD_LOA: Record<LoginMethod, Loa> = { password: 'low', password_sms: 'substantial' };

/** What the operator decides per SP, next to its metadata. */
export const SpPolicy = z
  .object({
    /** Shown on the login page and in the SMS ("Prijava v eDavki"). */
    displayName: z
      .object({ sl: z.string().min(1).max(60), en: z.string().min(1).max(60) })
      .partial()
      .default({}),
    attributes: z
      .array(z.enum(ATTRIBUTE_KEYS as [AttributeKey, ...AttributeKey[]]))
      .default(['given_name', 'family_name']),
    /** Sign the Response as well as the Assertion (the Assertion is always signed). */
    signResponse: z.boolean().default(false),
    allowedMethods: z.array(z.enum(LOGIN_METHODS)).min(1).default(['password_sms']),
    minLoa: z.enum(LOA_ORDER as [Loa, ...Loa[]]).default('substantial'),
    /** SAML allows 80 bytes; some legacy SPs need more, never above 1 KiB. */
    relayStateMaxBytes: z.number().int().min(80).max(1024).default(80),
  })
  .strict();
export type SpPolicy = z.infer<typeof SpPolicy>;

export const defaultPolicy = (): SpPolicy => SpPolicy.parse({});
