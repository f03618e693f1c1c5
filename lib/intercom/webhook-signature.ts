import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Hub-Signature` value for a body: `sha1=` and the hex HMAC-SHA1 keyed with the app's client secret. */
export function signWebhookBody(body: Buffer | string, clientSecret: string): string {
  return `sha1=${createHmac('sha1', clientSecret).update(body).digest('hex')}`;
}

/** Checks `X-Hub-Signature` over the raw body bytes, in constant time. */
export function isValidWebhookSignature(body: Buffer, header: string | undefined, clientSecret: string): boolean {
  if (!header || !/^sha1=[0-9a-f]{40}$/i.test(header.trim())) return false;
  const expected = Buffer.from(signWebhookBody(body, clientSecret));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
