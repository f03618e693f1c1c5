import { z } from 'zod';
import { webhookTopics, type WebhookTopic } from './control.schema';

/**
 * The forms of the simulator page (`/_sim/ui`), as their `application/x-www-form-urlencoded`
 * fields arrive: every value a string, empty when left blank. Each message names the field as the
 * page labels it, since the page shows it as is.
 */

/** Topics a subscription can choose: every one but `ping`, which is always subscribed to. */
export const subscribableTopics = webhookTopics.filter((topic): topic is Exclude<WebhookTopic, 'ping'> => topic !== 'ping');

const blankToUndefined = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** A message typed in a text area: required, trimmed, at most 10,000 characters. */
const messageText = (what: string) =>
  z
    .string({ error: `Write the ${what} first.` })
    .trim()
    .min(1, `Write the ${what} first: it is empty.`)
    .max(10_000, `The ${what} is longer than 10,000 characters.`);

export const subscribeForm = z.object({
  url: z
    .string({ error: 'Enter the webhook URL.' })
    .trim()
    .min(1, 'Enter the webhook URL.')
    .refine((value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'The webhook URL must be a full http:// or https:// URL.'),
  topics: z.array(z.enum(subscribableTopics), { error: 'Choose topics from the list.' }).min(1, 'Choose at least one topic.'),
});

export const pingForm = z.object({
  message: z.preprocess(blankToUndefined, z.string().trim().max(500, 'The ping message is longer than 500 characters.').optional()),
});

export const tagForm = z
  .object({
    tagId: z.preprocess(blankToUndefined, z.string().optional()),
    newTagName: z.preprocess(blankToUndefined, z.string().trim().max(200, 'The new tag name is longer than 200 characters.').optional()),
    partId: z.preprocess(blankToUndefined, z.string().optional()),
  })
  .refine((form) => form.tagId !== undefined || form.newTagName !== undefined, {
    message: 'Choose a tag, or type the name of a new one.',
  });

export const partKindsOnPage = ['user_reply', 'admin_reply', 'admin_note'] as const;

export const partForm = z.object({
  kind: z.enum(partKindsOnPage, { error: 'Unknown kind of message.' }),
  body: messageText('message'),
  adminId: z.preprocess(blankToUndefined, z.string().optional()),
});

export const redactForm = z
  .object({
    partId: z.preprocess(blankToUndefined, z.string().optional()),
    source: z.preprocess(blankToUndefined, z.literal('true').optional()),
  })
  .refine((form) => (form.partId !== undefined) !== (form.source !== undefined), { message: 'Choose one message to redact.' });

export const contactForm = z.object({
  name: z.string({ error: 'Enter the name.' }).trim().min(1, 'Enter the name.').max(200, 'The name is longer than 200 characters.'),
  email: z.string({ error: 'Enter the email address.' }).trim().pipe(z.email('Enter a valid email address, like ada@example.com.')),
  role: z.enum(['user', 'lead'], { error: 'Choose user or lead.' }),
});
