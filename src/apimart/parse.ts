import { z } from 'zod';
import { InsufficientBalance, InvalidRequest, Malformed, RateLimited, Transient, Unauthorized, type ApimartError, type ErrorDetail } from './errors';

/**
 * Every shape APIMart answers, in one place (docs/apimart.md): the two submit shapes, the two result URL shapes,
 * the three error shapes. When the provider changes a shape, this file is the one edit.
 */

const submitArray = z.object({ data: z.array(z.looseObject({ task_id: z.string().min(1), status: z.string().optional() })).min(1) });
const submitObject = z.object({ data: z.looseObject({ id: z.string().min(1), status: z.string().optional() }) });

export interface Submitted {
  taskId: string;
  status: string | undefined;
}

export function parseSubmit(body: unknown): Submitted {
  const arr = submitArray.safeParse(body);
  if (arr.success) return { taskId: arr.data.data[0]!.task_id, status: arr.data.data[0]!.status };
  const obj = submitObject.safeParse(body);
  if (obj.success) return { taskId: obj.data.data.id, status: obj.data.data.status };
  throw new Malformed('APIMart submit answer has no task id');
}

const KNOWN_STATES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskState = (typeof KNOWN_STATES)[number];

const num = z.coerce.number().finite();
const taskSchema = z.object({
  data: z.looseObject({
    id: z.string().optional(),
    status: z.string(),
    progress: num.optional().nullable(),
    created: num.optional().nullable(),
    completed: num.optional().nullable(),
    estimated_time: num.optional().nullable(),
    actual_time: num.optional().nullable(),
    result: z
      .looseObject({
        videos: z.array(z.looseObject({ url: z.union([z.string(), z.array(z.string())]), expires_at: num.optional().nullable() })).optional(),
      })
      .optional()
      .nullable(),
    error: z
      .looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional(), type: z.string().optional() })
      .optional()
      .nullable(),
  }),
});

export interface TaskView {
  taskId: string;
  /** Unknown provider states are folded into `processing`: still running. `rawStatus` keeps the original. */
  state: TaskState;
  rawStatus: string;
  known: boolean;
  progress: number | undefined;
  createdAt: number | undefined;
  estimatedTimeSec: number | undefined;
  videoUrl: string | undefined;
  /** ms since epoch */
  expiresAt: number | undefined;
  error: { code?: string | number | undefined; message?: string | undefined; type?: string | undefined } | undefined;
}

export function parseTask(body: unknown, taskId: string): TaskView {
  const parsed = taskSchema.safeParse(body);
  if (!parsed.success) throw new Malformed('APIMart task answer has an unknown shape');
  const d = parsed.data.data;
  const raw = d.status.toLowerCase();
  const known = (KNOWN_STATES as readonly string[]).includes(raw);
  const video = d.result?.videos?.[0];
  const url = Array.isArray(video?.url) ? video.url[0] : video?.url;
  const state = known ? (raw as TaskState) : 'processing';
  if (state === 'completed' && !url) throw new Malformed('APIMart task is completed but has no video URL');
  return {
    taskId: d.id ?? taskId,
    state,
    rawStatus: d.status,
    known,
    progress: d.progress == null ? undefined : Math.max(0, Math.min(100, d.progress)),
    createdAt: d.created == null ? undefined : d.created * 1000,
    estimatedTimeSec: d.estimated_time ?? undefined,
    videoUrl: url,
    expiresAt: video?.expires_at == null ? undefined : video.expires_at * 1000,
    error: d.error ?? undefined,
  };
}

const nestedError = z.object({ error: z.looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional(), type: z.string().optional() }) });
const topLevelError = z.looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional(), type: z.string().optional() });

/** Parses a Retry-After header: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Turns a non-2xx answer into a typed error. `text` is the raw body: JSON with a nested `error`, JSON with a
 * top-level `{code, message}`, or anything else (an HTML page from a gateway), in which case the status
 * alone decides.
 */
export function errorFromResponse(status: number, text: string, headers: { requestId?: string | undefined; retryAfter?: string | string[] | undefined }): ApimartError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const nested = nestedError.safeParse(json);
  const fields = nested.success ? nested.data.error : topLevelError.safeParse(json).data;
  const detail: ErrorDetail = {
    status,
    providerMessage: fields?.message,
    providerType: fields?.type,
    providerCode: fields?.code,
    requestId: headers.requestId,
  };
  const message = fields?.message ?? '';
  if (status === 400 || status === 404 || status === 422) return new InvalidRequest('APIMart refused the request', detail);
  if (status === 401 || status === 403) return new Unauthorized('APIMart refused the API key', detail);
  if (status === 402) return new InsufficientBalance('APIMart account has no credit left', detail);
  if (status === 429) return new RateLimited('APIMart rate limit', { ...detail, retryAfterMs: parseRetryAfter(headers.retryAfter) });
  if (status >= 500 && message.startsWith('build_request_failed:')) return new InvalidRequest('APIMart could not build the request', detail);
  if (status >= 500) return new Transient('APIMart server error', { ...detail, maybeSent: true });
  return new Malformed('APIMart answered an unexpected status', detail);
}

/** APIMart's upload links live 72 hours (docs/apimart.md, upload); an answer that says when wins. */
export const UPLOAD_LINK_LIFETIME_MS = 72 * 60 * 60 * 1000;
/** The largest file `POST /v1/uploads/images` takes. */
export const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;

const uploadFields = z.looseObject({
  url: z.string().regex(/^https?:\/\//i),
  created_at: num.optional().nullable(),
  expires_at: num.optional().nullable(),
});
/** Documented flat; accepted inside `data` too, as the other routes answer. */
const wrappedUpload = z.object({ data: uploadFields });

export interface Uploaded {
  url: string;
  /** ms since epoch */
  expiresAt: number;
}

/**
 * The upload answer `{url, filename, content_type, bytes, created_at}`. The link's end: `expires_at` when
 * given, else 72 h after `created_at` (unix seconds), else 72 h after `now`, whichever of the last two is
 * earlier (a provider clock ahead of ours must not make us trust a link longer).
 */
export function parseUpload(body: unknown, now: number): Uploaded {
  const d = uploadFields.safeParse(body).data ?? wrappedUpload.safeParse(body).data?.data;
  if (!d) throw new Malformed('APIMart upload answer has no URL');
  if (d.expires_at != null) return { url: d.url, expiresAt: d.expires_at * 1000 };
  const fromCreated = d.created_at != null ? d.created_at * 1000 + UPLOAD_LINK_LIFETIME_MS : Infinity;
  return { url: d.url, expiresAt: Math.min(fromCreated, now + UPLOAD_LINK_LIFETIME_MS) };
}
