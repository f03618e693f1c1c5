import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Body-Signature` value for a Canvas Kit request body: the hex HMAC-SHA256 keyed with the app's client secret. */
export function signCanvasBody(body: Buffer | string, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(body).digest('hex');
}

/** Checks `X-Body-Signature` over the raw body bytes, in constant time. */
export function isValidCanvasSignature(body: Buffer, header: string | undefined, clientSecret: string): boolean {
  if (!header || !/^[0-9a-f]{64}$/i.test(header.trim())) return false;
  const expected = Buffer.from(signCanvasBody(body, clientSecret), 'hex');
  const given = Buffer.from(header.trim(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
