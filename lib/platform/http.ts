import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { assertAdministers, type Admin, type AdminVerifier } from './admin-auth';
import { noticeCanvas } from '../canvas/canvases';
import {
  IntercomError,
  IntercomNotFoundError,
  IntercomPermissionError,
  IntercomRateLimitError,
  IntercomTokenInvalidError,
} from '../intercom/errors';
import { BadRequestError, ConflictError, HttpError, NotFoundError, UnprocessableError } from './errors';
import { logger } from './logger';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON response; `body` undefined gives an empty one (204, HEAD). */
export function json(statusCode: number, body?: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/**
 * The error contract: an {@link HttpError} shows its code and message; anything else is logged
 * and answered with a generic 500 that reveals nothing.
 */
export function errorResponse(error: unknown): HttpResult {
  if (error instanceof HttpError) {
    if (error.statusCode < 500) logger.info('Request refused', { statusCode: error.statusCode, code: error.code });
    return json(error.statusCode, { error: { code: error.code, message: error.message, ...error.details } });
  }
  if (error instanceof IntercomError) return errorResponse(fromIntercom(error));
  logger.error('Unhandled error', { error: error as Error });
  return json(500, { error: { code: 'internal_error', message: 'Something went wrong on our side.' } });
}

/** Raw request body bytes, decoding API Gateway's base64 form. */
export function rawBody(event: HttpEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/** Parses a JSON body and checks it against `schema`; a failure is a 400 naming each bad field. */
export function parseJsonBody<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody(event).toString('utf8') || 'null');
  } catch {
    throw new BadRequestError('The body is not valid JSON.', {}, 'invalid_json');
  }
  return parseInput(schema, parsed, 'body');
}

/** Checks any request input against `schema`; a failure is a 400 listing each problem. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: [where, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new BadRequestError(`Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      issues,
    }, 'invalid_request');
  }
  return result.data;
}

/** Intercom failures that reach an admin, as the frontend should present them. */
function fromIntercom(error: IntercomError): HttpError {
  if (error instanceof IntercomTokenInvalidError) {
    return new ConflictError("Intercom no longer accepts this workspace's token. Reconnect Intercom.", 'intercom_needs_reauth');
  }
  if (error instanceof IntercomPermissionError) {
    return new UnprocessableError('intercom_permissions_missing', 'The Intercom app lacks a permission this needs.');
  }
  if (error instanceof IntercomRateLimitError) {
    return new HttpError(503, 'intercom_rate_limited', 'Intercom is rate limiting this workspace; try again shortly.', {
      retryAt: error.resetAt?.toISOString() ?? null,
    });
  }
  logger.warn('Intercom call failed', { intercomStatus: error.status, intercomCode: error.code, reason: error.message });
  return new HttpError(502, 'intercom_unavailable', 'Intercom did not answer as expected; try again shortly.');
}

type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** Wraps an HTTP handler with request-scoped logging and the error contract. */
export function httpHandler(handler: HttpHandler) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: (request) => {
        request.response = errorResponse(request.error);
      },
    })
    .handler(handler);
}

/**
 * A failure of an inbox-app request that was already verified, as the canvas the agent sees: what
 * happened and what to do, always a 200 (anything else shows an error page inside the inbox), never
 * a detail of the failure.
 */
function canvasFailure(error: unknown): HttpResult {
  const say = (text: string, hint: string) => json(200, noticeCanvas({ text, style: 'error' }, hint));
  if (error instanceof IntercomNotFoundError) {
    return say('Intercom cannot find this conversation; it may have been deleted.', 'Reload the conversation. Nothing was sent to Timebook.');
  }
  if (error instanceof IntercomTokenInvalidError) {
    return say('Intercom no longer accepts Timebook’s access to this workspace.', 'A Timebook admin must reconnect Intercom under Settings → Integrations → Intercom.');
  }
  if (error instanceof IntercomPermissionError) {
    return say('Timebook’s Intercom app may not read conversations.', 'An Intercom admin can grant it “Read conversations”, then reconnect it in Timebook.');
  }
  if (error instanceof IntercomRateLimitError) {
    return say('Intercom is busy for this workspace right now.', 'Try again in a minute. Nothing was sent to Timebook.');
  }
  if (error instanceof IntercomError) {
    logger.warn('Intercom call failed during an inbox-app request', { intercomStatus: error.status, intercomCode: error.code, reason: error.message });
    return say('Intercom did not answer as expected.', 'Try again in a moment. Nothing was sent to Timebook.');
  }
  logger.error('Unhandled error in an inbox-app request', { error: error as Error });
  return say('Something went wrong on Timebook’s side.', 'Try again in a moment; if it keeps failing, tell your Timebook admin.');
}

/**
 * Wraps a Canvas Kit handler: a refused request (bad signature, unknown URL, malformed body, too
 * large) answers its error status as everywhere else; any other failure answers a canvas that says
 * so ({@link canvasFailure}).
 */
export function canvasHttpHandler(handler: HttpHandler) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: (request) => {
        const { error } = request;
        request.response = error instanceof HttpError && error.statusCode < 500 ? errorResponse(error) : canvasFailure(error);
      },
    })
    .handler(handler);
}

const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface AdminRequest {
  admin: Admin;
  workspaceId: string;
}

type AdminHttpHandler = (event: HttpEvent, request: AdminRequest, context: Context) => Promise<HttpResult>;

/**
 * An HTTP handler for `/v1/workspaces/{workspaceId}/...`: 401 without a valid admin JWT, 403 when
 * the token does not list the workspace. The admin's `sub` is logged with everything the request does.
 */
export function adminHttpHandler(verifier: () => AdminVerifier, handler: AdminHttpHandler) {
  return httpHandler(async (event, context) => {
    const admin = await verifier()(event.headers.authorization);
    const workspaceId = event.pathParameters?.workspaceId ?? '';
    if (!WORKSPACE_ID.test(workspaceId)) throw new NotFoundError('No such workspace.');
    assertAdministers(admin, workspaceId);
    logger.appendKeys({ adminSub: admin.sub, workspaceId });
    return handler(event, { admin, workspaceId }, context);
  });
}
