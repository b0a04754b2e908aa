import { Agent, FormData, request, type Dispatcher } from 'undici';
import type { Logger } from '../log';
import type { GenerationRequest } from './request';
import { ApimartError, Malformed, RateLimited, Transient } from './errors';
import type { RequestClass, RequestGate } from './gate';
import type { TaskLanguage } from './language';
import { errorFromResponse, parseSubmit, parseTask, parseUpload, type Submitted, type TaskView, type Uploaded } from './parse';

export interface ApimartClientOptions {
  baseUrl: string;
  apiKey: string;
  gate: RequestGate;
  logger: Logger;
  /** Per call, headers and body together. */
  timeoutMs?: number;
  /** Extra attempts of a poll after a transient failure. */
  pollRetries?: number;
  /** Extra attempts of a submit answered 429 or refused before sending. */
  submitRetries?: number;
  dispatcher?: Dispatcher;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called once per HTTP exchange, for metrics. */
  observe?: (op: ApiOp, seconds: number, errorKind?: string) => void;
  /** The clock an upload's link lifetime is counted on (ms since epoch). */
  now?: () => number;
}

export type ApiOp = 'submit' | 'poll' | 'upload';

/** An image to re-host at APIMart (`POST /v1/uploads/images`, docs/apimart.md). */
export interface UploadFile {
  data: Uint8Array;
  filename: string;
  contentType: string;
}

export interface SubmitOptions {
  idempotencyKey: string;
  /**
   * Called when the request gate grants the submit's first turn, before a byte is sent; when it throws, nothing
   * is sent and its error is thrown as is. The job engine writes `submitting` here (src/jobs/service.ts), so a
   * job that waits for its turn is stored as never sent (docs/architecture.md, states).
   */
  onTurn?: () => Promise<void>;
}

export interface Apimart {
  submit(body: GenerationRequest, opts: SubmitOptions): Promise<Submitted>;
  /**
   * `cls` is the poll's worth to the request budget (src/apimart/gate.ts); `language`, the failure reason's
   * language (docs/apimart.md), absent: the provider's default.
   */
  getTask(taskId: string, cls?: RequestClass, opts?: { language?: TaskLanguage | undefined }): Promise<TaskView>;
}

/** Re-hosting of kept images (saved reference sets); the job engine needs only `Apimart`. */
export interface ImageHost {
  upload(file: UploadFile): Promise<Uploaded>;
}

const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-apimart-request-id', 'x-trace-id'];
/** Errors raised before a single byte left: the provider cannot have seen the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ApimartClient implements Apimart, ImageHost {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly pollRetries: number;
  private readonly submitRetries: number;
  private readonly dispatcher: Dispatcher;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: ApimartClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.pollRetries = opts.pollRetries ?? 2;
    this.submitRetries = opts.submitRetries ?? 3;
    this.dispatcher = opts.dispatcher ?? new Agent({ connections: 32, keepAliveTimeout: 30_000 });
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /**
   * Submits once. Retried only when the provider provably did not get it (connection refused before
   * sending) or answered 429: anything else could create a second, billed task. `onTurn` runs at the first
   * attempt's turn only: from then on the job is stored as maybe sent.
   */
  async submit(body: GenerationRequest, { idempotencyKey, onTurn }: SubmitOptions): Promise<Submitted> {
    let turnFailed = false;
    const turn =
      onTurn &&
      (() =>
        onTurn().catch((err: unknown) => {
          turnFailed = true;
          throw err;
        }));
    for (let attempt = 0; ; attempt++) {
      try {
        const json = await this.call('POST', '/v1/videos/generations', 'submit', body, { 'idempotency-key': idempotencyKey }, attempt === 0 ? turn : undefined);
        return parseSubmit(json);
      } catch (err) {
        if (turnFailed) throw err;
        const retriable = (err instanceof RateLimited || (err instanceof Transient && !err.maybeSent)) && attempt < this.submitRetries;
        if (!retriable) throw err;
        await this.sleep(this.backoff(attempt, err));
      }
    }
  }

  /** Polls a task; transient failures and 429s are retried with jittered backoff. */
  async getTask(taskId: string, cls: RequestClass = 'routine', { language }: { language?: TaskLanguage | undefined } = {}): Promise<TaskView> {
    const path = `/v1/tasks/${encodeURIComponent(taskId)}${language ? `?language=${language}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const view = parseTask(await this.call('GET', path, cls), taskId);
        if (!view.known) this.opts.logger.warn({ taskId, status: view.rawStatus }, 'APIMart answered an unknown task status; treating it as running');
        return view;
      } catch (err) {
        const retriable = (err instanceof RateLimited || err instanceof Transient) && attempt < this.pollRetries;
        if (!retriable) throw err;
        await this.sleep(this.backoff(attempt, err));
      }
    }
  }

  /**
   * Re-hosts an image; the answer's URL works for 72 h (docs/apimart.md, upload). Retried like a poll: a
   * repeated upload only makes a second link, nothing is billed twice.
   */
  async upload(file: UploadFile): Promise<Uploaded> {
    for (let attempt = 0; ; attempt++) {
      try {
        const form = new FormData();
        form.append('file', new Blob([file.data], { type: file.contentType }), file.filename);
        return parseUpload(await this.call('POST', '/v1/uploads/images', 'submit', form), (this.opts.now ?? Date.now)());
      } catch (err) {
        const retriable = (err instanceof RateLimited || err instanceof Transient) && attempt < this.pollRetries;
        if (!retriable) throw err;
        await this.sleep(this.backoff(attempt, err));
      }
    }
  }

  /** Full jitter on an exponential base; a Retry-After is a floor, not a suggestion. */
  private backoff(attempt: number, err: ApimartError): number {
    const jittered = Math.round(this.random() * Math.min(10_000, 500 * 2 ** attempt));
    return err instanceof RateLimited && err.retryAfterMs !== undefined ? err.retryAfterMs + jittered / 10 : jittered;
  }

  private async call(method: 'GET' | 'POST', path: string, cls: RequestClass, body?: unknown, extraHeaders: Record<string, string> = {}, onTurn?: () => Promise<void>): Promise<unknown> {
    try {
      await this.opts.gate.acquire(cls);
    } catch (err) {
      // The shared gate lives in Redis (gate.ts): when it cannot answer, nothing was sent, so the caller may
      // retry or tell the member to, exactly as when the provider cannot be reached.
      this.opts.logger.warn({ method, path, err }, 'APIMart request gate unavailable; not sending');
      throw new Transient(`APIMart request gate unavailable (${(err as Error).message})`, { maybeSent: false });
    }
    await onTurn?.();
    const started = performance.now();
    const op: ApiOp = body instanceof FormData ? 'upload' : method === 'POST' ? 'submit' : 'poll';
    try {
      const json = await this.exchange(method, path, started, body, extraHeaders);
      this.opts.observe?.(op, (performance.now() - started) / 1000);
      return json;
    } catch (err) {
      this.opts.observe?.(op, (performance.now() - started) / 1000, err instanceof ApimartError ? err.kind : 'unknown');
      throw err;
    }
  }

  private async exchange(method: 'GET' | 'POST', path: string, started: number, body: unknown, extraHeaders: Record<string, string>): Promise<unknown> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.base}${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers: {
          authorization: `Bearer ${this.opts.apiKey}`,
          accept: 'application/json',
          // FormData sets its own multipart content type, boundary included.
          ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }),
          ...extraHeaders,
        },
        body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name;
      const maybeSent = !NOT_SENT_CODES.has(code);
      this.opts.logger.warn({ method, path, code, maybeSent }, 'APIMart request failed without an answer');
      throw new Transient(`APIMart unreachable (${code})`, { maybeSent });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw new Transient(`APIMart answer cut short (${(err as Error).name})`, { status: res.statusCode, maybeSent: true });
    }
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const requestId = REQUEST_ID_HEADERS.map(header).find(Boolean);
    const ms = Math.round(performance.now() - started);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      // Gateways have been known to echo the Authorization header back; the key must not reach users or logs.
      const err = errorFromResponse(res.statusCode, text.split(this.opts.apiKey).join('[REDACTED]'), { requestId, retryAfter: res.headers['retry-after'] });
      // A 429 slows the whole budget down (AIMD) and its Retry-After closes it for that long.
      if (err instanceof RateLimited) await this.opts.gate.limited(err.retryAfterMs);
      this.opts.logger.warn({ method, path, status: res.statusCode, requestId, kind: err.kind, providerMessage: err.providerMessage, ms }, 'APIMart error');
      throw err;
    }
    this.opts.logger.debug({ method, path, status: res.statusCode, requestId, ms }, 'APIMart call');
    try {
      return JSON.parse(text);
    } catch {
      throw new Malformed('APIMart answered a body that is not JSON', { status: res.statusCode, requestId });
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
