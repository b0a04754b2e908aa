/**
 * Typed APIMart failures. Each carries the provider's own message and request id (for logs and support) and
 * never the API key: messages are built from response bodies only.
 */
export interface ErrorDetail {
  status?: number | undefined;
  providerMessage?: string | undefined;
  providerType?: string | undefined;
  providerCode?: string | number | undefined;
  requestId?: string | undefined;
}

export abstract class ApimartError extends Error {
  abstract readonly kind: 'invalid_request' | 'unauthorized' | 'insufficient_balance' | 'rate_limited' | 'transient' | 'malformed';
  readonly status: number | undefined;
  readonly providerMessage: string | undefined;
  readonly providerType: string | undefined;
  readonly providerCode: string | number | undefined;
  readonly requestId: string | undefined;

  constructor(summary: string, detail: ErrorDetail = {}) {
    super(
      [summary, detail.status && `HTTP ${detail.status}`, detail.providerMessage, detail.requestId && `request ${detail.requestId}`]
        .filter(Boolean)
        .join(' | '),
    );
    this.name = new.target.name;
    this.status = detail.status;
    this.providerMessage = detail.providerMessage;
    this.providerType = detail.providerType;
    this.providerCode = detail.providerCode;
    this.requestId = detail.requestId;
  }
}

/** The request was refused for its content (400, or a 500 `build_request_failed:`). */
export class InvalidRequest extends ApimartError {
  readonly kind = 'invalid_request';
}

/** 401 or 403: the key is wrong or not allowed this model. The bot is misconfigured. */
export class Unauthorized extends ApimartError {
  readonly kind = 'unauthorized';
}

/** 402: the account's credit is used up. */
export class InsufficientBalance extends ApimartError {
  readonly kind = 'insufficient_balance';
}

export class RateLimited extends ApimartError {
  readonly kind = 'rate_limited';
  /** Milliseconds the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(summary: string, detail: ErrorDetail & { retryAfterMs?: number | undefined }) {
    super(summary, detail);
    this.retryAfterMs = detail.retryAfterMs;
  }
}

/**
 * 5xx, timeouts, connection failures. `maybeSent` tells a submit's caller whether the provider may have
 * created (and billed) a task anyway, which decides whether the job can be retried or must be reported
 * as unconfirmed.
 */
export class Transient extends ApimartError {
  readonly kind = 'transient';
  readonly maybeSent: boolean;
  constructor(summary: string, detail: ErrorDetail & { maybeSent: boolean }) {
    super(summary, detail);
    this.maybeSent = detail.maybeSent;
  }
}

/** The answer could not be understood (not JSON, or JSON of an unknown shape). */
export class Malformed extends ApimartError {
  readonly kind = 'malformed';
}
