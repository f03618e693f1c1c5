import { randomUUID } from 'node:crypto';

/** Intercom's error body: `{"type":"error.list","request_id":...,"errors":[{code,message}]}`. */
export interface IntercomErrorBody {
  type: 'error.list';
  request_id: string;
  errors: Array<{ code: string; message: string }>;
}

/** An error a REST handler throws to answer with Intercom's error shape. */
export class IntercomApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'IntercomApiError';
  }

  /** The response body for this error. */
  toBody(): IntercomErrorBody {
    return { type: 'error.list', request_id: randomUUID(), errors: [{ code: this.code, message: this.message }] };
  }
}

/** The code and message Intercom uses for a status when nothing more specific applies. */
const GENERIC: Record<number, { code: string; message: string }> = {
  400: { code: 'parameter_invalid', message: 'Invalid request' },
  401: { code: 'unauthorized', message: 'Access Token Invalid' },
  403: { code: 'forbidden', message: 'Forbidden' },
  404: { code: 'not_found', message: 'Resource Not Found' },
  409: { code: 'conflict', message: 'Conflict' },
  413: { code: 'request_too_large', message: 'Request entity too large' },
  422: { code: 'unprocessable_entity', message: 'Unprocessable entity' },
  429: { code: 'rate_limit_exceeded', message: 'Rate Limit Exceeded' },
  500: { code: 'server_error', message: 'Server Error' },
  502: { code: 'bad_gateway', message: 'Bad Gateway' },
  503: { code: 'service_unavailable', message: 'Sorry, the API service is temporarily unavailable' },
  504: { code: 'gateway_timeout', message: 'Gateway Timeout' },
};

/** Intercom-style error for an arbitrary status (used by fault injection). */
export function errorForStatus(status: number): IntercomApiError {
  const generic = GENERIC[status] ?? { code: status >= 500 ? 'server_error' : 'client_error', message: `HTTP ${status}` };
  return new IntercomApiError(status, generic.code, generic.message);
}

/** 401 for a missing, unknown or revoked token. */
export const accessTokenInvalid = (): IntercomApiError =>
  new IntercomApiError(401, 'unauthorized', 'Access Token Invalid');

/** 404 for an unknown object. */
export const notFound = (message = 'Resource Not Found'): IntercomApiError =>
  new IntercomApiError(404, 'not_found', message);

/** 400 for a malformed parameter or body. */
export const parameterInvalid = (message: string): IntercomApiError =>
  new IntercomApiError(400, 'parameter_invalid', message);
