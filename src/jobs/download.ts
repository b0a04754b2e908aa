import { abandon } from '../util/abandon';
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
    abandon(res.body);
    return { ok: false, reason: 'too_large', size: declared };
  }
  // With a declared length the bytes go straight into one buffer: a 25 MB video then costs 25 MB, not 50.
  const known = Number.isFinite(declared) && declared > 0;
  const whole = known ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (total + chunk.length > (whole ? declared : maxBytes)) {
        abandon(res.body);
        return whole ? { ok: false, reason: 'failed', detail: 'more bytes than Content-Length' } : { ok: false, reason: 'too_large', size: undefined };
      }
      if (whole) chunk.copy(whole, total);
      else chunks.push(chunk);
      total += chunk.length;
    }
  } catch (err) {
    return { ok: false, reason: 'failed', detail: (err as Error).message };
  }
  if (whole && total !== declared) return { ok: false, reason: 'failed', detail: `cut short at ${total} of ${declared} bytes` };
  return { ok: true, data: whole ?? Buffer.concat(chunks, total) };
}
