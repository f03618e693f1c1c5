import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small HTTP helpers over node:http: bodies, responses and a route table. */

export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body; an empty body is `{}`. Throws SyntaxError on malformed JSON. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  return text === '' ? {} : JSON.parse(text);
}

/** Parses an `application/x-www-form-urlencoded` body. */
export function parseForm(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

/** Whether the request declares a form-encoded body. */
export function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

/** 302 by default, as Intercom's OAuth redirects; the simulator page's forms answer 303 (see other). */
export function sendRedirect(res: ServerResponse, location: string, status: 302 | 303 = 302): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0 });
  res.end();
}

/** A route: `template` like `/contacts/:id`; `key` names it in statistics (`GET /contacts/{id}`). */
export interface Route<H> {
  method: string;
  template: string;
  key: string;
  pattern: RegExp;
  handler: H;
}

/** Declares a route. Path parameters match one segment and arrive URL-decoded. */
export function route<H>(method: string, template: string, handler: H): Route<H> {
  const source = template
    .split('/')
    .map((segment) => (segment.startsWith(':') ? `(?<${segment.slice(1)}>[^/]+)` : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  const key = `${method} ${template.replace(/:([A-Za-z]+)/g, '{$1}')}`;
  return { method, template, key, pattern: new RegExp(`^${source}/?$`), handler };
}

export type RouteMatch<H> =
  | { kind: 'found'; route: Route<H>; params: Record<string, string> }
  | { kind: 'wrong-method'; key: string }
  | { kind: 'none' };

/** Finds the route for a method and path. */
export function matchRoute<H>(routes: readonly Route<H>[], method: string, path: string): RouteMatch<H> {
  let pathMatched: Route<H> | undefined;
  for (const candidate of routes) {
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    if (candidate.method !== method) {
      pathMatched ??= candidate;
      continue;
    }
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(match.groups ?? {})) params[name] = decodeURIComponent(value);
    return { kind: 'found', route: candidate, params };
  }
  return pathMatched ? { kind: 'wrong-method', key: `${method} ${pathMatched.template}` } : { kind: 'none' };
}
