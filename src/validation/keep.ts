import { describeImage, type ReadHead } from './probe';
import { imageProblems, type AttachmentMeta, type Problem } from './validate';

/** An image read whole, described by its own bytes. */
export interface ReadImage {
  meta: AttachmentMeta & { contentType: string; width: number; height: number };
  data: Uint8Array;
}

export type KeepResult = { ok: true; images: ReadImage[] } | { ok: false; problems: Problem[] };

/**
 * Reads images that the bot is to keep (saved reference sets) and checks them by the image rules from their
 * bytes: what Discord claims about them counts only to skip downloading a file already too large. Every
 * problem of every image is reported together. At most `maxBytes + 1` bytes of each are read.
 */
export async function readImagesToKeep(
  attachments: AttachmentMeta[],
  read: ReadHead,
  maxBytes: number,
  onUnreadable: (a: AttachmentMeta, err: unknown) => void = () => undefined,
): Promise<KeepResult> {
  const images: { meta: AttachmentMeta; data: Uint8Array }[] = [];
  // One after the other: each may be 20 MB, and several saves may run at once.
  for (const a of attachments) {
    if (Number.isSafeInteger(a.size) && a.size > maxBytes) {
      images.push({ meta: a, data: new Uint8Array() });
      continue;
    }
    try {
      const data = await read(a.url, maxBytes + 1);
      let described: Pick<AttachmentMeta, 'contentType' | 'width' | 'height'>;
      try {
        described = describeImage(data);
      } catch {
        described = { contentType: null, width: null, height: null };
      }
      // Cut short at maxBytes + 1: the claim, if larger, says better how large it is.
      images.push({ meta: { ...a, ...described, size: data.length > maxBytes ? Math.max(data.length, a.size) : data.length }, data });
    } catch (err) {
      onUnreadable(a, err);
      images.push({ meta: { ...a, contentType: null, width: null, height: null }, data: new Uint8Array() });
    }
  }
  const problems = imageProblems(
    images.map((i) => i.meta),
    { maxBytes },
  );
  if (problems.length) return { ok: false, problems };
  return { ok: true, images: images as ReadImage[] };
}
