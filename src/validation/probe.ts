import { imageSize } from 'image-size';
import { request } from 'undici';
import type { AttachmentMeta } from './validate';

/**
 * Discord omits width/height for some uploads (and for every attachment it could not decode). Such an
 * attachment is accepted only after its real size is read from its first bytes: image headers sit at the
 * start, so a capped read is enough and a 50 MB file never gets downloaded whole.
 */
export const PROBE_MAX_BYTES = 1024 * 1024;
const PROBE_TIMEOUT_MS = 5_000;

const MIME_BY_TYPE: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

export type ReadHead = (url: string, maxBytes: number) => Promise<Uint8Array>;

/** Reads at most `maxBytes` of a URL, then drops the connection. */
export const readHead: ReadHead = async (url, maxBytes) => {
  const res = await request(url, { headersTimeout: PROBE_TIMEOUT_MS, bodyTimeout: PROBE_TIMEOUT_MS });
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

/**
 * Fills in width, height (and a missing content type) of attachments Discord gave no size for. An image
 * that cannot be read keeps null sizes, which validation reports as a problem.
 */
export async function completeAttachmentSizes(attachments: AttachmentMeta[], read: ReadHead = readHead): Promise<AttachmentMeta[]> {
  return Promise.all(
    attachments.map(async (a) => {
      if (a.width != null && a.height != null) return a;
      try {
        const size = imageSize(await read(a.url, PROBE_MAX_BYTES));
        return { ...a, width: size.width ?? null, height: size.height ?? null, contentType: a.contentType ?? MIME_BY_TYPE[size.type ?? ''] ?? null };
      } catch {
        return a;
      }
    }),
  );
}
