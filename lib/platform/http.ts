import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { BadRequestError, HttpError } from './errors';
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
    return json(error.statusCode, { error: { code: error.code, message: error.message, ...error.details } });
  }
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
