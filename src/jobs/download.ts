import type { Dispatcher } from 'undici';
import { abandon } from '../util/abandon';
import { RefusedAddressError, type OutboundHttp } from '../util/net-guard';

/**
 * `failed`: the link may still work for the member (an HTTP error, a cut-short or non-MP4 body), so it is
 * shown. `refused`: the address guard would not fetch it (util/net-guard.ts), so it is not shown either.
 */
export type Download =
  | { ok: true; data: Buffer }
  | { ok: false; reason: 'too_large'; size: number | undefined }
  | { ok: false; reason: 'failed'; detail: string }
  | { ok: false; reason: 'refused'; detail: string };

/** An MP4 (ISO base media file) starts with a box whose type, at offset 4, is `ftyp`. */
const MP4_HEAD = 8;
const isMp4Head = (head: Buffer) => head.length >= MP4_HEAD && head.toString('latin1', 4, MP4_HEAD) === 'ftyp';

/**
 * Fetches the finished MP4 into memory, refusing early (by Content-Length, else while streaming) once it
 * passes `maxBytes`: a video that cannot be uploaded anyway is never held whole. Bytes that do not start
 * like an MP4 (an error page, a text file) are refused as soon as their first bytes are in, so nothing else
 * is ever posted as `vidu-….mp4`.
 */
export async function downloadVideo(url: string, maxBytes: number, opts: { http: OutboundHttp; timeoutMs?: number }): Promise<Download> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let res: Dispatcher.ResponseData;
  try {
    res = await opts.http.get(url, { signal: AbortSignal.timeout(timeoutMs), headersTimeout: 30_000, bodyTimeout: 30_000 });
  } catch (err) {
    return { ok: false, reason: err instanceof RefusedAddressError ? 'refused' : 'failed', detail: (err as Error).message };
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
      const before = total;
      total += chunk.length;
      if (before < MP4_HEAD && total >= MP4_HEAD) {
        const head = whole ? whole.subarray(0, MP4_HEAD) : Buffer.concat(chunks).subarray(0, MP4_HEAD);
        if (!isMp4Head(head)) {
          abandon(res.body);
          return { ok: false, reason: 'failed', detail: notMp4(head, res.headers['content-type']) };
        }
      }
    }
  } catch (err) {
    return { ok: false, reason: 'failed', detail: (err as Error).message };
  }
  if (whole && total !== declared) return { ok: false, reason: 'failed', detail: `cut short at ${total} of ${declared} bytes` };
  if (total < MP4_HEAD) return { ok: false, reason: 'failed', detail: notMp4(whole ?? Buffer.concat(chunks, total), res.headers['content-type']) };
  return { ok: true, data: whole ?? Buffer.concat(chunks, total) };
}

/** What the operator needs to see why a body was refused: its declared type and how it starts. */
function notMp4(head: Buffer, contentType: string | string[] | undefined): string {
  return `not an MP4 (Content-Type ${String(contentType ?? 'none')}, starts with ${JSON.stringify(head.toString('latin1'))})`;
}
