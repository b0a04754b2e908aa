import { imageSize } from 'image-size';
import type { OutboundHttp } from '../util/net-guard';
import type { AttachmentMeta } from './validate';

/**
 * Discord omits width/height for some uploads (and for every attachment it could not decode). Such an
 * attachment is accepted only after its real size is read from its first bytes: image headers sit at the
 * start, so a capped read is enough and a 50 MB file never gets downloaded whole.
 */
export const PROBE_MAX_BYTES = 1024 * 1024;
/** Longest wait for the next bytes (headers, then each body chunk). */
const PROBE_IDLE_MS = 5_000;
/**
 * Longest a whole probe may take. The member waits on "thinking…" meanwhile and the probe holds one of the few
 * after-deferral slots (app.ts), while a header of at most 1 MB from Discord's CDN takes well under a second:
 * without this, a server sending a byte every few seconds (each within the idle timeout) held a probe open
 * indefinitely.
 */
const PROBE_DEADLINE_MS = 8_000;

const MIME_BY_TYPE: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

export type ReadHead = (url: string, maxBytes: number) => Promise<Uint8Array>;

/** Reads at most `maxBytes` of an outside URL through the address guard, then drops the connection. */
export function createReadHead(http: OutboundHttp, deadlineMs = PROBE_DEADLINE_MS): ReadHead {
  return async (url, maxBytes) => {
    const res = await http.get(url, { signal: AbortSignal.timeout(deadlineMs), headersTimeout: PROBE_IDLE_MS, bodyTimeout: PROBE_IDLE_MS });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`HTTP ${res.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    // Leaving the loop early aborts the body, which undici reports as an error event.
    res.body.on('error', () => undefined);
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= maxBytes) break;
    }
    res.body.destroy();
    return Buffer.concat(chunks).subarray(0, maxBytes);
  };
}

/**
 * Fills in width, height (and a missing content type) of attachments Discord gave no size for. An image
 * that cannot be read keeps null sizes, which validation reports as a problem; `onUnreadable` tells the
 * operator why.
 */
export async function completeAttachmentSizes(
  attachments: AttachmentMeta[],
  read: ReadHead,
  onUnreadable: (a: AttachmentMeta, err: unknown) => void = () => undefined,
): Promise<AttachmentMeta[]> {
  return Promise.all(
    attachments.map(async (a) => {
      if (a.width != null && a.height != null) return a;
      try {
        const size = imageSize(await read(a.url, PROBE_MAX_BYTES));
        return { ...a, width: size.width ?? null, height: size.height ?? null, contentType: a.contentType ?? MIME_BY_TYPE[size.type ?? ''] ?? null };
      } catch (err) {
        onUnreadable(a, err);
        return a;
      }
    }),
  );
}
