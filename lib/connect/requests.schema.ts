import * as z from 'zod';

/** Request bodies of the connect routes. Strict: an unknown field is a mistake worth reporting. */

const secretString = (name: string) =>
  z
    .string({ error: `${name} must be a string` })
    .trim()
    .min(1, `${name} is empty`)
    .max(1024, `${name} is longer than 1024 characters`)
    .regex(/^\S+$/, `${name} must not contain spaces`);

export const tokenConnectBody = z.strictObject({ accessToken: secretString('accessToken') });

/** The code and state Intercom gave the browser, passed on unchanged (a code may end in `=`). */
export const oauthCompleteBody = z.strictObject({
  code: z.string({ error: 'code must be a string' }).min(1, 'code is empty').max(2048, 'code is longer than 2048 characters'),
  state: z.string({ error: 'state must be a string' }).min(1, 'state is empty').max(4096, 'state is longer than 4096 characters'),
});

export const webhookSecretBody = z.strictObject({ clientSecret: secretString('clientSecret') });

export const settingsBody = z
  .strictObject({ syncFeedback: z.boolean().optional(), syncContacts: z.boolean().optional(), writeBack: z.boolean().optional() })
  .refine((body) => body.syncFeedback !== undefined || body.syncContacts !== undefined || body.writeBack !== undefined, {
    message: 'set syncFeedback, syncContacts and/or writeBack',
  });
