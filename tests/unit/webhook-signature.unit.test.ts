import { describe, expect, it } from 'vitest';
import { isValidWebhookSignature, signWebhookBody } from '../../lib/intercom/webhook-signature';

// RFC 2202, HMAC-SHA1 test case 2: an independent check of the algorithm and the hex encoding.
const RFC_KEY = 'Jefe';
const RFC_DATA = 'what do ya want for nothing?';
const RFC_DIGEST = 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79';

const SECRET = 'client-secret-of-the-app';
const BODY = Buffer.from('{"type" : "notification_event",\n  "topic" : "ping", "app_id" : "a86dr8yl"}');

describe('signWebhookBody', () => {
  it('is "sha1=" and the hex HMAC-SHA1 of the body keyed with the client secret', () => {
    expect(signWebhookBody(RFC_DATA, RFC_KEY)).toBe(`sha1=${RFC_DIGEST}`);
    expect(signWebhookBody(Buffer.from(RFC_DATA), RFC_KEY)).toBe(`sha1=${RFC_DIGEST}`);
  });
});

describe('isValidWebhookSignature', () => {
  it('accepts the known HMAC of the raw body', () => {
    expect(isValidWebhookSignature(Buffer.from(RFC_DATA), `sha1=${RFC_DIGEST}`, RFC_KEY)).toBe(true);
  });

  it('accepts upper-case hex and surrounding whitespace in the header', () => {
    const header = signWebhookBody(BODY, SECRET);

    expect(isValidWebhookSignature(BODY, `  sha1=${header.slice(5).toUpperCase()} `, SECRET)).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(isValidWebhookSignature(BODY, signWebhookBody(BODY, 'another-secret'), SECRET)).toBe(false);
  });

  it('rejects a body changed by one byte', () => {
    const header = signWebhookBody(BODY, SECRET);
    const changed = Buffer.from(BODY);
    changed[changed.length - 2] = changed[changed.length - 2]! ^ 1;

    expect(isValidWebhookSignature(changed, header, SECRET)).toBe(false);
  });

  it('checks the raw bytes: the same JSON re-serialized does not verify', () => {
    const header = signWebhookBody(BODY, SECRET);
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8'))));

    expect(isValidWebhookSignature(reserialized, header, SECRET)).toBe(false);
  });

  it('verifies bodies that are not valid UTF-8 byte for byte', () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);

    expect(isValidWebhookSignature(body, signWebhookBody(body, SECRET), SECRET)).toBe(true);
    expect(isValidWebhookSignature(Buffer.from(body.toString('utf8')), signWebhookBody(body, SECRET), SECRET)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without the sha1= prefix', RFC_DIGEST],
    ['with another algorithm', `sha256=${RFC_DIGEST}`],
    ['too short', `sha1=${RFC_DIGEST.slice(0, 39)}`],
    ['too long', `sha1=${RFC_DIGEST}0`],
    ['not hex', `sha1=${'z'.repeat(40)}`],
  ])('rejects a header that is %s', (_, header) => {
    expect(isValidWebhookSignature(Buffer.from(RFC_DATA), header, RFC_KEY)).toBe(false);
  });
});
