import { imageSize } from 'image-size';
import type { OutboundHttp } from '../util/net-guard';
import { claimedType, type AttachmentMeta } from './validate';

/**
 * Discord omits width/height for some uploads (and for every attachment it could not decode), and the content
 * type is whatever the uploader's client claimed. Such an attachment is accepted only after its real type and
 * size are read from its first bytes: image headers sit at the start, so a capped read is enough and a 50 MB
 * file never gets downloaded whole.
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

/** image-size's type names -> MIME types; the unaccepted ones only name what was found in a refusal. */
const MIME_BY_DETECTED: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', svg: 'image/svg+xml' };
const MIME_BY_EXTENSION: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

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

/** An image's type and size as its bytes (the first megabyte is enough) say; throws when they say nothing. */
export function describeImage(bytes: Uint8Array): Pick<AttachmentMeta, 'contentType' | 'width' | 'height'> {
  const found = imageSize(bytes);
  const contentType = found.type ? (MIME_BY_DETECTED[found.type] ?? `image/${found.type}`) : null;
  return { contentType, width: found.width ?? null, height: found.height ?? null };
}

/**
 * Whether Discord's metadata can stand without reading the file: only when it gave a size and the claimed
 * type and the file name's extension agree. `a.gif` claiming image/png, or `evil.svg.png` claiming nothing,
 * could be either, so neither is trusted.
 */
function needsProbe(a: AttachmentMeta): boolean {
  if (a.width == null || a.height == null) return true;
  const claimed = claimedType(a.contentType);
  const extension = a.filename.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  return claimed === undefined || claimed !== MIME_BY_EXTENSION[extension ?? ''];
}

/**
 * Fills in the type and size of attachments whose metadata cannot be trusted (needsProbe) from their bytes;
 * what the bytes say wins over every claim. An image that cannot be read ends with unknown sizes, which
 * validation refuses; `onUnreadable` tells the operator why.
 */
export async function completeAttachmentSizes(
  attachments: AttachmentMeta[],
  read: ReadHead,
  onUnreadable: (a: AttachmentMeta, err: unknown) => void = () => undefined,
): Promise<AttachmentMeta[]> {
  return Promise.all(
    attachments.map(async (a) => {
      if (!needsProbe(a)) return a;
      let head: Uint8Array;
      try {
        head = await read(a.url, PROBE_MAX_BYTES);
      } catch (err) {
        // The link does not load (a message's image deleted, an embed's site down): said as such, not as a bad file.
        onUnreadable(a, err);
        return { ...a, contentType: null, width: null, height: null, unreachable: true };
      }
      try {
        return { ...a, ...describeImage(head) };
      } catch (err) {
        onUnreadable(a, err);
        return { ...a, contentType: null, width: null, height: null };
      }
    }),
  );
}
