import { z } from 'zod';

/** Request bodies of the connect routes. Strict: an unknown field is a mistake worth reporting. */

const secretString = (name: string) =>
  z
    .string({ error: `${name} must be a string` })
    .trim()
    .min(1, `${name} is empty`)
    .max(1024, `${name} is longer than 1024 characters`)
    .regex(/^\S+$/, `${name} must not contain spaces`);

export const tokenConnectBody = z.strictObject({ accessToken: secretString('accessToken') });

export const webhookSecretBody = z.strictObject({ clientSecret: secretString('clientSecret') });

export const settingsBody = z
  .strictObject({ syncFeedback: z.boolean().optional(), syncContacts: z.boolean().optional() })
  .refine((body) => body.syncFeedback !== undefined || body.syncContacts !== undefined, {
    message: 'set syncFeedback and/or syncContacts',
  });
