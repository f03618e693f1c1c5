import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SignedNotification } from './webhook-envelope';

/** What one POST of a notification got back. */
export interface DeliveryAttempt {
  attempt: number;
  /** HTTP status, or null when the request failed (timeout, refused). */
  status: number | null;
  responseBody: string;
  error: string | null;
  durationMs: number;
}

/** Intercom treats a notification as failed after 5 s without an answer. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 5000;
const RESPONSE_BODY_LIMIT = 2000;

const USER_AGENT = 'intercom-parrot-service-client/1.0';

/** Sends with node:http so the receiver sees exactly Intercom's headers and no others. */
function send(url: URL, method: 'POST' | 'HEAD', body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const length = method === 'POST' ? { 'Content-Length': String(Buffer.byteLength(body)) } : {};
    const req = request(url, { method, headers: { ...headers, ...length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(method === 'POST' ? body : undefined);
  });
}

/** POSTs the exact signed body once; a timeout or a refused connection is an attempt with a null status. */
export async function attemptDelivery(
  url: string,
  notification: Pick<SignedNotification, 'body' | 'headers'>,
  attempt = 1,
  timeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS,
  responseBodyLimit = RESPONSE_BODY_LIMIT,
): Promise<DeliveryAttempt> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    const { status, text } = await send(new URL(url), 'POST', notification.body, notification.headers, timeoutMs);
    return { attempt, status, responseBody: text.slice(0, responseBodyLimit), error: null, durationMs: elapsed() };
  } catch (error) {
    return { attempt, status: null, responseBody: '', error: error instanceof Error ? error.message : String(error), durationMs: elapsed() };
  }
}

/** POSTs the exact signed body to `url` `times` times, one after another. */
export async function deliverNotification(
  url: string,
  notification: SignedNotification,
  times = 1,
  timeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS,
): Promise<DeliveryAttempt[]> {
  const attempts: DeliveryAttempt[] = [];
  for (let attempt = 1; attempt <= times; attempt++) attempts.push(await attemptDelivery(url, notification, attempt, timeoutMs));
  return attempts;
}

/**
 * Intercom validates a webhook URL with a HEAD request when the subscription is saved. Returns
 * null when the URL answered 2xx, else why not.
 */
export async function validateWithHead(url: string, timeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS): Promise<string | null> {
  try {
    const { status } = await send(new URL(url), 'HEAD', '', { 'User-Agent': USER_AGENT }, timeoutMs);
    return status >= 200 && status < 300 ? null : `HEAD ${url} answered ${status}`;
  } catch (error) {
    return `HEAD ${url} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
