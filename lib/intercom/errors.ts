/**
 * What an Intercom call can fail with, by what the caller should do about it. Messages never
 * contain the token or a response body beyond Intercom's own error code and message.
 */
export class IntercomError extends Error {
  override readonly name: string = 'IntercomError';

  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly requestId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The token is dead (revoked, unknown, expired): the workspace must reconnect. */
export class IntercomTokenInvalidError extends IntercomError {
  override readonly name = 'IntercomTokenInvalidError';
}

/** The token works but lacks a permission (401 `token_unauthorized`, 403 `forbidden`, plan limits). */
export class IntercomPermissionError extends IntercomError {
  override readonly name = 'IntercomPermissionError';
}

export class IntercomNotFoundError extends IntercomError {
  override readonly name = 'IntercomNotFoundError';
}

export class IntercomBadRequestError extends IntercomError {
  override readonly name = 'IntercomBadRequestError';
}

/** Over the rate limit, and waiting for the window to reset was not allowed or did not help. */
export class IntercomRateLimitError extends IntercomError {
  override readonly name = 'IntercomRateLimitError';

  constructor(
    message: string,
    readonly resetAt: Date | undefined,
    requestId?: string,
  ) {
    super(message, 429, 'rate_limit_exceeded', requestId);
  }
}

/** 5xx, timeouts and network failures that outlasted the retries: try again later. */
export class IntercomUnavailableError extends IntercomError {
  override readonly name = 'IntercomUnavailableError';
}
