// Fake APIMart server (see docs/apimart.md) for tests and benchmarks.
// Task state is a pure function of (now - createdAt), so 10k polled tasks cost no timers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface TimelineStep {
  at: number; // ms after creation (scaled by timeScale)
  status: string; // pending|processing|completed|failed|cancelled|any unknown string
  progress?: number;
  error?: { code: number | string; message: string; type?: string };
}

export interface TaskScript {
  timeline: TimelineStep[];
  estimatedTime?: number;
  videoBytes?: number;
  urlShape?: 'array' | 'string';
  expiresInSec?: number;
  /** The link the result carries instead of the fake's own `/files/<task>.mp4`: a hostile or broken provider. */
  videoUrl?: string;
  /** Served at `/files/<task>.mp4` instead of MP4 bytes: a provider answering with an error page or text. */
  videoContent?: { contentType: string; body: string };
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  destroy?: boolean;
  /** Handle the request normally (create the task / answer the poll) and only apply delayMs/destroy
   * to the answer: models a provider that did the work but whose answer was late or lost. */
  proceed?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string; // pathname without query
  url: string; // raw request target, with query
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
}

export interface FakeTask {
  id: string;
  createdAt: number;
  script: TaskScript;
  body: unknown;
}

export interface FakeApimart {
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  submits(): RecordedRequest[];
  /** Submits received, including failed ones; counted even with record: false. */
  submitCount(): number;
  polls(taskId?: string): number;
  /** Requests answered 429 by the rate limit (FakeApimartOptions.rateLimit). */
  rateLimited(): number;
  nextTask(script: Partial<TaskScript>): void;
  setDefaultScript(script: Partial<TaskScript>): void;
  failSubmit(...responses: FakeResponse[]): void;
  failPoll(...responses: FakeResponse[]): void;
  submitResponseShape: 'array' | 'object';
  tasks: Map<string, FakeTask>;
  completedAt(taskId: string): number | undefined;
  /** Status a poll would report right now, without a request (undefined for unknown ids). */
  taskStatus(taskId: string): string | undefined;
  videoDownloads(taskId?: string): number;
  /** With `loadImages`: per submit, in order, what loading each of its image URLs got. */
  submitImageLoads: ImageLoad[][];
  /** Images received by `POST /v1/uploads/images`, in order. */
  uploads: FakeUpload[];
  failUpload(...responses: FakeResponse[]): void;
  /** The bytes an upload link serves right now, or undefined when it is unknown or expired. */
  uploadedData(url: string): Buffer | undefined;
  close(): Promise<void>;
}

export interface FakeUpload {
  id: string;
  url: string;
  filename: string;
  contentType: string;
  data: Buffer;
  createdAt: number;
  expiresAt: number;
}

/** What a fault hook sees of a submit or poll (see FakeApimartOptions.faults). */
export interface FaultRequest {
  op: 'submit' | 'poll';
  headers: IncomingMessage['headers'];
  /** The submit's JSON body (undefined for polls). */
  body: unknown;
  /** The polled task, when it exists. */
  task?: FakeTask;
}

export interface FakeApimartOptions {
  apiKey?: string;
  now?: () => number;
  record?: boolean;
  timeScale?: number;
  /**
   * Picks a new task's script from its submit body, when no `nextTask` script is queued: tests that send
   * requests concurrently fix each task's fate by its content instead of by arrival order.
   */
  scriptFor?: (body: unknown) => Partial<TaskScript> | undefined;
  /**
   * Asked for every submit and poll that no queued `failSubmit`/`failPoll` answers: a response to inject, or
   * undefined to answer normally. Off by default; the chaos suite draws its faults here.
   */
  faults?: (req: FaultRequest) => FakeResponse | undefined;
  /**
   * How long an uploaded image's link works, on `now` (default 72 h, as APIMart's do). When set, the upload
   * answer also carries `expires_at`, so a client that trusts it (docs/apimart.md) meets a short-lived link.
   */
  uploadTtlMs?: number;
  /**
   * Loads every `image_urls` entry of a submit before answering it, as the provider fetches the references, and
   * records what each load got (`submitImageLoads`).
   */
  loadImages?: boolean;
  /**
   * The provider's own rate limit: at most `rps` submits and polls per (simulated, see timeScale) second,
   * over a sliding window; beyond it the answer is 429 with a Retry-After (whole simulated seconds, at least 1)
   * and the request does nothing. APIMart publishes no limit (docs/apimart.md); this is what the bot must
   * discover. Off by default.
   */
  rateLimit?: { rps: number };
}

/** What loading one of a submit's image URLs got. */
export interface ImageLoad {
  url: string;
  status: number;
  data: Buffer;
}

/** APIMart's upload limits (docs/apimart.md, upload). */
const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;
const UPLOAD_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);

export const DEFAULT_API_KEY = 'test-key-apimart-SECRET';

export const DEFAULT_TIMELINE: readonly TimelineStep[] = Object.freeze([
  { at: 0, status: 'pending', progress: 0 },
  { at: 200, status: 'processing', progress: 10 },
  { at: 600, status: 'processing', progress: 60 },
  { at: 1000, status: 'completed', progress: 100 },
]);

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

function errorBody(code: number, message: string, type: string) {
  return { error: { code, message, type } };
}

function json(status: number, body: unknown, headers?: Record<string, string>): FakeResponse {
  return { status, body, ...(headers ? { headers } : {}) };
}

export const errors = {
  badRequest: (message: string) => json(400, errorBody(400, message, 'invalid_request_error')),
  unauthorized: () => json(401, errorBody(401, 'Invalid API key', 'authentication_error')),
  paymentRequired: () => json(402, errorBody(402, 'Insufficient balance', 'payment_required')),
  forbidden: () => json(403, errorBody(403, 'Model not enabled for this API key', 'permission_error')),
  rateLimited: (retryAfterSec?: number) =>
    json(
      429,
      errorBody(429, 'Rate limit exceeded', 'rate_limit_error'),
      retryAfterSec === undefined ? undefined : { 'Retry-After': String(retryAfterSec) },
    ),
  serverError: (message = 'Internal server error') => json(500, errorBody(500, message, 'server_error')),
  buildRequestFailed: (message: string) =>
    json(500, errorBody(500, `build_request_failed: ${message}`, 'server_error')),
  badGateway: (): FakeResponse => ({
    status: 502,
    raw: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
    headers: { 'Content-Type': 'text/html' },
  }),
  topLevel: (status: number, code: number | string, message: string) => json(status, { code, message }),
  /** Answers late. Without `then` the request is still handled normally (a submit creates and bills a
   * task), because that is what a slow provider does while the client gives up. */
  slow: (ms: number, then?: FakeResponse): FakeResponse =>
    then ? { ...then, delayMs: ms } : { status: 200, delayMs: ms, proceed: true },
  malformed: (): FakeResponse => ({
    status: 200,
    raw: '{"code":200,"data":',
    headers: { 'Content-Type': 'application/json' },
  }),
  /** The request is handled (a submit creates and bills its task) but the answer arrives garbled. */
  garbled: (): FakeResponse => ({ status: 200, raw: '{"code":200,"data":[{"status":"subm', proceed: true }),
  /** Connection reset before the request is handled: provably no task. */
  dropConnection: (): FakeResponse => ({ status: 0, destroy: true }),
  /** The request is handled (task created) but the answer is lost: the double-billing trap. */
  lostResponse: (): FakeResponse => ({ status: 0, destroy: true, proceed: true }),
};

// A real-looking ftyp box so clients that sniff the container accept the file.
const FTYP = Buffer.concat([
  Buffer.from([0, 0, 0, 32]),
  Buffer.from('ftypisom', 'latin1'),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('isomiso2avc1mp41', 'latin1'),
]);
// 251 * 256: a multiple of the filler period, so every chunk of the stream is a slice of this one buffer.
const CHUNK = 251 * 256;

export function expectedVideoBytes(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = i % 251;
  FTYP.copy(out, 0, 0, Math.min(size, FTYP.length));
  return out;
}

const FIRST_CHUNK = expectedVideoBytes(CHUNK);
const FILLER = Buffer.alloc(CHUNK);
for (let i = 0; i < CHUNK; i++) FILLER[i] = i % 251;

function* videoChunks(size: number): Generator<Buffer> {
  for (let off = 0; off < size; off += CHUNK) {
    const src = off === 0 ? FIRST_CHUNK : FILLER;
    yield src.subarray(0, Math.min(CHUNK, size - off));
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function newTaskId(): string {
  let id = 'task_';
  for (const b of randomBytes(24)) id += ALNUM[b % ALNUM.length];
  return id;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export async function startFakeApimart(opts: FakeApimartOptions = {}): Promise<FakeApimart> {
  const apiKey = opts.apiKey ?? DEFAULT_API_KEY;
  const now = opts.now ?? Date.now;
  const record = opts.record ?? true;
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be > 0');

  // Scripts are resolved once when queued and shared by their tasks, keeping 10k tasks cheap.
  function resolve(partial: Partial<TaskScript>, base?: TaskScript): TaskScript {
    const timeline = [...(partial.timeline ?? base?.timeline ?? DEFAULT_TIMELINE)].sort((a, b) => a.at - b.at);
    if (timeline.length === 0) throw new Error('timeline needs at least one step');
    const done = timeline.find((s) => s.status === 'completed') ?? timeline[timeline.length - 1]!;
    return {
      timeline,
      // Wall-clock seconds, so a client pacing its polls by it stays sensible under timeScale.
      estimatedTime:
        partial.estimatedTime ??
        (partial.timeline ? undefined : base?.estimatedTime) ??
        Math.max(1, Math.ceil(done.at / timeScale / 1000)),
      videoBytes: partial.videoBytes ?? base?.videoBytes ?? 4096,
      urlShape: partial.urlShape ?? base?.urlShape ?? 'array',
      expiresInSec: partial.expiresInSec ?? base?.expiresInSec ?? 86400,
      ...(partial.videoUrl ?? base?.videoUrl ? { videoUrl: partial.videoUrl ?? base?.videoUrl } : {}),
      ...(partial.videoContent ?? base?.videoContent ? { videoContent: partial.videoContent ?? base?.videoContent } : {}),
    };
  }

  let defaultScript = resolve({});
  const scriptQueue: TaskScript[] = [];
  const submitFailures: FakeResponse[] = [];
  const pollFailures: FakeResponse[] = [];
  const tasks = new Map<string, FakeTask>();
  const idempotency = new Map<string, string>();
  const pollCounts = new Map<string, number>();
  const downloadCounts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();
  const uploads: FakeUpload[] = [];
  const uploadFailures: FakeResponse[] = [];
  const uploadTtlMs = opts.uploadTtlMs ?? 72 * 60 * 60 * 1000;
  const submitImageLoads: ImageLoad[][] = [];

  async function loadImages(body: unknown): Promise<void> {
    const urls = (body as { image_urls?: unknown } | undefined)?.image_urls;
    const list = Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string') : [];
    submitImageLoads.push(
      await Promise.all(
        list.map(async (url) => {
          try {
            const res = await fetch(url);
            return { url, status: res.status, data: Buffer.from(await res.arrayBuffer()) };
          } catch {
            return { url, status: 0, data: Buffer.alloc(0) };
          }
        }),
      ),
    );
  }
  const liveUpload = (id: string): FakeUpload | undefined => {
    const u = uploads.find((x) => x.id === id);
    return u && now() < u.expiresAt ? u : undefined;
  };
  let totalPolls = 0;
  let totalDownloads = 0;
  let totalSubmits = 0;
  let totalLimited = 0;
  // Sliding window of the last `rps` accepted requests (real ms); the oldest decides whether one more fits.
  const limitRps = opts.rateLimit?.rps;
  const windowMs = 1000 / timeScale;
  const accepted: number[] = limitRps ? new Array<number>(limitRps).fill(-Infinity) : [];
  let acceptedHead = 0;

  /** A 429 when the rate limit is full, else undefined (and the request counts against it). */
  function overLimit(): FakeResponse | undefined {
    if (!limitRps) return undefined;
    const t = performance.now();
    const oldest = accepted[acceptedHead]!;
    if (t - oldest >= windowMs) {
      accepted[acceptedHead] = t;
      acceptedHead = (acceptedHead + 1) % limitRps;
      return undefined;
    }
    totalLimited++;
    return errors.rateLimited(Math.max(1, Math.ceil(((oldest + windowMs - t) * timeScale) / 1000)));
  }

  /** Index of the step in force, or -1 before the first step. */
  function stepIndex(task: FakeTask, at: number): number {
    const elapsed = (at - task.createdAt) * timeScale;
    const tl = task.script.timeline;
    let i = -1;
    while (i + 1 < tl.length && tl[i + 1]!.at <= elapsed) i++;
    return i;
  }

  const BEFORE_FIRST: TimelineStep = { at: 0, status: 'pending', progress: 0 };

  function finalStepAt(task: FakeTask): number | undefined {
    const last = task.script.timeline[task.script.timeline.length - 1]!;
    return TERMINAL.has(last.status) ? task.createdAt + last.at / timeScale : undefined;
  }

  /** Wall-clock ms at which the video exists, if the script ever completes. */
  function videoReadyAt(task: FakeTask): number | undefined {
    const step = task.script.timeline.find((s) => s.status === 'completed');
    return step && task.createdAt + step.at / timeScale;
  }

  function taskData(task: FakeTask, at: number): Record<string, unknown> {
    const tl = task.script.timeline;
    const idx = stepIndex(task, at);
    const step = idx >= 0 ? tl[idx]! : BEFORE_FIRST;
    // Steps without a progress keep the last known one, as a real task never goes backwards.
    let progress = step.status === 'completed' ? 100 : 0;
    for (let i = idx; i >= 0; i--) {
      const p = tl[i]!.progress;
      if (p !== undefined) {
        progress = p;
        break;
      }
    }
    const created = Math.floor(task.createdAt / 1000);
    const data: Record<string, unknown> = {
      id: task.id,
      status: step.status,
      progress,
      created,
      estimated_time: task.script.estimatedTime,
    };
    if (step.status === 'completed') {
      const doneMs = task.createdAt + step.at / timeScale;
      const completed = Math.floor(doneMs / 1000);
      const fileUrl = task.script.videoUrl ?? `${api.url}/files/${task.id}.mp4`;
      data.completed = completed;
      data.actual_time = Math.round((doneMs - task.createdAt) / 1000);
      data.result = {
        videos: [
          {
            url: task.script.urlShape === 'string' ? fileUrl : [fileUrl],
            expires_at: completed + (task.script.expiresInSec ?? 86400),
          },
        ],
      };
    }
    if (step.status === 'failed') {
      data.error = step.error ?? { code: 500, message: 'Task failed', type: 'server_error' };
    }
    return data;
  }

  function send(res: ServerResponse, r: FakeResponse): void {
    const act = () => {
      if (res.destroyed || res.socket?.destroyed) return;
      if (r.destroy) {
        res.socket?.destroy();
        return;
      }
      const payload = r.raw ?? (r.body === undefined ? '' : JSON.stringify(r.body));
      const headers: Record<string, string | number> = {
        'content-type': r.raw === undefined ? 'application/json' : 'text/plain; charset=utf-8',
      };
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
      headers['content-length'] = Buffer.byteLength(payload);
      res.writeHead(r.status, headers).end(payload);
    };
    if (!r.delayMs) return act();
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      act();
    }, r.delayMs);
    pendingTimers.add(timer);
  }

  /** Applies a scripted failure, or with `proceed` runs the normal handler and delays/drops its answer. */
  function answer(res: ServerResponse, failure: FakeResponse | undefined, normal: () => FakeResponse): void {
    if (!failure) return send(res, normal());
    if (!failure.proceed) return send(res, failure);
    const done = normal();
    send(res, { ...done, delayMs: failure.delayMs, destroy: failure.destroy, ...(failure.raw !== undefined ? { raw: failure.raw } : {}) });
  }

  function handleSubmit(req: IncomingMessage, res: ServerResponse, body: unknown, bodyOk: boolean): void {
    totalSubmits++;
    const failure = overLimit() ?? submitFailures.shift() ?? (bodyOk ? opts.faults?.({ op: 'submit', headers: req.headers, body }) : undefined);
    answer(res, failure, () => {
      if (!bodyOk) return errors.badRequest('invalid JSON body');
      const key = req.headers['idempotency-key'];
      const idemKey = typeof key === 'string' && key !== '' ? key : undefined;
      let id = idemKey === undefined ? undefined : idempotency.get(idemKey);
      let task = id === undefined ? undefined : tasks.get(id);
      if (!task) {
        id = newTaskId();
        const chosen = scriptQueue.length === 0 ? opts.scriptFor?.(body) : undefined;
        task = { id, createdAt: now(), script: scriptQueue.shift() ?? (chosen ? resolve(chosen, defaultScript) : defaultScript), body };
        tasks.set(id, task);
        if (idemKey !== undefined) idempotency.set(idemKey, id);
      }
      // The documented alternative shape is opted into by this header on the real API.
      const objectShape =
        api.submitResponseShape === 'object' || req.headers['x-apimart-response-version'] !== undefined;
      return json(
        200,
        objectShape
          ? { code: 200, data: { id: task.id, status: 'pending', progress: 0, created: Math.floor(task.createdAt / 1000) } }
          : { code: 200, data: [{ status: 'submitted', task_id: task.id }] },
      );
    });
  }

  function handlePoll(req: IncomingMessage, res: ServerResponse, taskId: string): void {
    totalPolls++;
    increment(pollCounts, taskId);
    const known = tasks.get(taskId);
    const failure = overLimit() ?? pollFailures.shift() ?? opts.faults?.({ op: 'poll', headers: req.headers, body: undefined, ...(known ? { task: known } : {}) });
    answer(res, failure, () => {
      const task = tasks.get(taskId);
      if (!task) return errors.badRequest('invalid task ID');
      return json(200, { code: 200, data: taskData(task, now()) });
    });
  }

  function handleFile(req: IncomingMessage, res: ServerResponse, taskId: string): void {
    const task = tasks.get(taskId);
    const at = now();
    const readyAt = task && videoReadyAt(task);
    if (!task || readyAt === undefined || at < readyAt) return send(res, { status: 404, raw: 'Not Found' });
    // Expired links fail like a signed CDN URL does.
    const expiresAt = Math.floor(readyAt / 1000) + (task.script.expiresInSec ?? 86400);
    if (Math.floor(at / 1000) > expiresAt) return send(res, { status: 403, raw: 'Request has expired' });
    const content = task.script.videoContent;
    const size = content ? Buffer.byteLength(content.body) : (task.script.videoBytes ?? 4096);
    res.writeHead(200, { 'Content-Type': content?.contentType ?? 'video/mp4', 'Content-Length': size });
    if (req.method === 'HEAD') return void res.end();
    totalDownloads++;
    increment(downloadCounts, taskId);
    if (content) return void res.end(content.body);
    // A client that aborts mid-download is a normal event, not a server error.
    pipeline(Readable.from(videoChunks(size)), res).catch(() => {});
  }

  /** `POST /v1/uploads/images`: multipart, one `file` part; the link serves the bytes until it expires. */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const failure = uploadFailures.shift();
    if (failure) return send(res, failure);
    let file: File | null = null;
    try {
      // undici's own multipart parser, as Node's fetch uses it.
      const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body: raw }).formData();
      const part = form.get('file');
      file = typeof part === 'string' ? null : part;
    } catch {
      file = null;
    }
    if (!file) return send(res, errors.badRequest('multipart field "file" is required'));
    const data = Buffer.from(await file.arrayBuffer());
    if (data.length > UPLOAD_MAX_BYTES) return send(res, errors.badRequest('file exceeds 20MB'));
    if (!UPLOAD_TYPES.has(file.type)) return send(res, errors.badRequest(`unsupported file type ${file.type}`));
    const id = randomBytes(12).toString('hex');
    const createdAt = now();
    const url = `${api.url}/uploads/${id}/${encodeURIComponent(file.name)}`;
    uploads.push({ id, url, filename: file.name, contentType: file.type, data, createdAt, expiresAt: createdAt + uploadTtlMs });
    const expires = opts.uploadTtlMs === undefined ? {} : { expires_at: (createdAt + uploadTtlMs) / 1000 };
    send(res, json(200, { url, filename: file.name, content_type: file.type, bytes: data.length, created_at: Math.floor(createdAt / 1000), ...expires }));
  }

  function handleUploaded(req: IncomingMessage, res: ServerResponse, id: string): void {
    const u = liveUpload(id);
    if (!u) return send(res, { status: 404, raw: 'Not Found' });
    res.writeHead(200, { 'Content-Type': u.contentType, 'Content-Length': u.data.length });
    res.end(req.method === 'HEAD' ? undefined : u.data);
  }

  function route(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const target = new URL(req.url ?? '/', 'http://fake');
    const path = target.pathname;
    const method = req.method ?? 'GET';
    let body: unknown = undefined;
    let bodyOk = true;
    const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    if (raw.length > 0 && !multipart) {
      const text = raw.toString('utf8');
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        bodyOk = false;
      }
    }
    if (record) requests.push({ method, path, url: req.url ?? path, headers: req.headers, body, at: now() });

    const file = /^\/files\/([^/]+)\.mp4$/.exec(path);
    if (file && (method === 'GET' || method === 'HEAD')) return handleFile(req, res, decodeURIComponent(file[1]!));
    const uploaded = /^\/uploads\/([0-9a-f]+)\/[^/]+$/.exec(path);
    if (uploaded && (method === 'GET' || method === 'HEAD')) return handleUploaded(req, res, uploaded[1]!);
    if (!path.startsWith('/v1/')) return send(res, json(404, errorBody(404, 'not found', 'invalid_request_error')));

    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(res, errors.unauthorized());
    if (method === 'POST' && path === '/v1/videos/generations') {
      if (opts.loadImages) return void loadImages(body).then(() => handleSubmit(req, res, body, bodyOk));
      return handleSubmit(req, res, body, bodyOk);
    }
    if (method === 'POST' && path === '/v1/uploads/images') return void handleUpload(req, res, raw);
    const poll = /^\/v1\/tasks\/([^/]+)$/.exec(path);
    if (method === 'GET' && poll) return handlePoll(req, res, decodeURIComponent(poll[1]!));
    send(res, json(404, errorBody(404, 'not found', 'invalid_request_error')));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  const api: FakeApimart = {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    tasks,
    submitResponseShape: 'array',
    submits: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/videos/generations'),
    submitCount: () => totalSubmits,
    rateLimited: () => totalLimited,
    polls: (taskId) => (taskId === undefined ? totalPolls : pollCounts.get(taskId) ?? 0),
    videoDownloads: (taskId) => (taskId === undefined ? totalDownloads : downloadCounts.get(taskId) ?? 0),
    nextTask: (script) => void scriptQueue.push(resolve(script, defaultScript)),
    setDefaultScript: (script) => {
      defaultScript = resolve(script);
    },
    failSubmit: (...responses) => void submitFailures.push(...responses),
    failPoll: (...responses) => void pollFailures.push(...responses),
    uploads,
    submitImageLoads,
    failUpload: (...responses) => void uploadFailures.push(...responses),
    uploadedData: (url) => liveUpload(/\/uploads\/([0-9a-f]+)\//.exec(url)?.[1] ?? '')?.data,
    completedAt: (taskId) => {
      const task = tasks.get(taskId);
      return task && finalStepAt(task);
    },
    taskStatus: (taskId) => {
      const task = tasks.get(taskId);
      if (!task) return undefined;
      const idx = stepIndex(task, now());
      return idx >= 0 ? task.script.timeline[idx]!.status : BEFORE_FIRST.status;
    },
    close: async () => {
      for (const t of pendingTimers) clearTimeout(t);
      pendingTimers.clear();
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
    },
  };
  return api;
}
