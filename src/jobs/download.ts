import { request, type Dispatcher } from 'undici';

export type Download = { ok: true; data: Buffer } | { ok: false; reason: 'too_large'; size: number | undefined } | { ok: false; reason: 'failed'; detail: string };

/**
 * Fetches the finished MP4 into memory, refusing early (by Content-Length, else while streaming) once it
 * passes `maxBytes`: a video that cannot be uploaded anyway is never held whole.
 */
export async function downloadVideo(url: string, maxBytes: number, opts: { timeoutMs?: number; dispatcher?: Dispatcher } = {}): Promise<Download> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { signal: AbortSignal.timeout(timeoutMs), headersTimeout: 30_000, bodyTimeout: 30_000, ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}) });
  } catch (err) {
    return { ok: false, reason: 'failed', detail: (err as Error).message };
  }
  if (res.statusCode !== 200) {
    await res.body.dump().catch(() => undefined);
    return { ok: false, reason: 'failed', detail: `HTTP ${res.statusCode}` };
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    return { ok: false, reason: 'too_large', size: declared };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        res.body.destroy();
        return { ok: false, reason: 'too_large', size: Number.isFinite(declared) ? declared : undefined };
      }
      chunks.push(chunk);
    }
  } catch (err) {
    return { ok: false, reason: 'failed', detail: (err as Error).message };
  }
  return { ok: true, data: Buffer.concat(chunks, total) };
}
