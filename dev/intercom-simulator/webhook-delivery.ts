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

/** POSTs with node:http so the receiver sees exactly Intercom's headers and no others. */
function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
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
    req.end(body);
  });
}

/** POSTs the exact signed body to `url` `times` times, one after another. */
export async function deliverNotification(
  url: string,
  notification: SignedNotification,
  times = 1,
  timeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS,
): Promise<DeliveryAttempt[]> {
  const target = new URL(url);
  const attempts: DeliveryAttempt[] = [];
  for (let attempt = 1; attempt <= times; attempt++) {
    const started = performance.now();
    try {
      const { status, text } = await post(target, notification.body, notification.headers, timeoutMs);
      attempts.push({ attempt, status, responseBody: text.slice(0, RESPONSE_BODY_LIMIT), error: null, durationMs: Math.round(performance.now() - started) });
    } catch (error) {
      attempts.push({
        attempt,
        status: null,
        responseBody: '',
        error: error instanceof Error ? error.message : String(error),
        durationMs: Math.round(performance.now() - started),
      });
    }
  }
  return attempts;
}
