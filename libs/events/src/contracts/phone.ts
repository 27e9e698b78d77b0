import { z } from 'zod';

/** A phone number as every contract carries it: E.164, `+` and 7 to 15 digits, no spaces. */
export const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/);
