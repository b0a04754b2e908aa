import { createHmac, randomBytes } from 'node:crypto';
import { newSnowflake } from './snowflake';
import type { FakeAttachment } from './types';

/** Discord's signed attachment links live about a day. */
const LINK_LIFETIME_S = 24 * 60 * 60;

interface Signature {
  ex: number;
  revoked: boolean;
}

export interface HostedFile {
  id: string;
  /** First path segment after /attachments/: the channel for uploads, a made-up one for test inputs. */
  folder: string;
  filename: string;
  contentType?: string;
  width?: number;
  height?: number;
  description?: string;
  data: Buffer;
  deleted: boolean;
  signatures: Map<string, Signature>;
}

/** Filenames as Discord stores them: anything outside [A-Za-z0-9._-] becomes `_`. */
export function sanitizeFilename(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned.length > 0 ? cleaned : 'unknown';
}

/**
 * Hosts attachment bytes behind links shaped like Discord's CDN links
 * (`/attachments/<channel>/<id>/<name>?ex=<hex expiry>&is=<hex issued>&hm=<hmac>&`), so that bot code that
 * parses `ex` or renews links through /attachments/refresh-urls meets the same shapes as in production.
 */
export class Cdn {
  readonly files = new Map<string, HostedFile>();
  private readonly secret = randomBytes(16);
  private nonce = 0;

  constructor(private readonly origin: string) {}

  host(input: Omit<HostedFile, 'id' | 'deleted' | 'signatures'>): HostedFile {
    const file: HostedFile = {
      id: newSnowflake(),
      folder: input.folder,
      filename: sanitizeFilename(input.filename),
      data: input.data,
      deleted: false,
      signatures: new Map(),
    };
    if (input.contentType) file.contentType = input.contentType;
    if (input.width !== undefined) file.width = input.width;
    if (input.height !== undefined) file.height = input.height;
    if (input.description !== undefined) file.description = input.description;
    this.files.set(file.id, file);
    return file;
  }

  /** Issues a fresh signed query (`?ex=..&is=..&hm=..&`) for the file. */
  private sign(file: HostedFile): string {
    const is = Math.floor(Date.now() / 1000);
    const ex = is + LINK_LIFETIME_S;
    const hm = createHmac('sha256', this.secret)
      .update(`${file.id}:${ex}:${is}:${++this.nonce}`)
      .digest('hex');
    file.signatures.set(hm, { ex, revoked: false });
    return `?ex=${ex.toString(16)}&is=${is.toString(16)}&hm=${hm}&`;
  }

  private pathOf(file: HostedFile): string {
    return `/attachments/${file.folder}/${file.id}/${encodeURIComponent(file.filename)}`;
  }

  /** The API attachment object with freshly signed links. */
  toApi(file: HostedFile): FakeAttachment {
    const query = this.sign(file);
    const a: FakeAttachment = {
      id: file.id,
      filename: file.filename,
      size: file.data.length,
      url: `${this.origin}/cdn${this.pathOf(file)}${query}`,
      proxy_url: `${this.origin}/cdn/media${this.pathOf(file)}${query}`,
    };
    if (file.contentType) a.content_type = file.contentType;
    if (file.width !== undefined) a.width = file.width;
    if (file.height !== undefined) a.height = file.height;
    if (file.description !== undefined) a.description = file.description;
    return a;
  }

  /** The hosted file a link points at (whatever the state of its signature), if it is one of ours. */
  lookup(url: string): { file: HostedFile; signatureValid: boolean } | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url, this.origin);
    } catch {
      return undefined;
    }
    const m = /^\/cdn(?:\/media)?\/attachments\/[^/]+\/(\d+)\/[^/]+$/.exec(parsed.pathname);
    if (!m) return undefined;
    const file = this.files.get(m[1]!);
    if (!file) return undefined;
    const hm = parsed.searchParams.get('hm') ?? '';
    const ex = parsed.searchParams.get('ex') ?? '';
    const sig = file.signatures.get(hm);
    const signatureValid =
      sig !== undefined &&
      !sig.revoked &&
      sig.ex.toString(16) === ex &&
      sig.ex * 1000 > Date.now();
    return { file, signatureValid };
  }

  /** Revokes every link issued so far, as if they had all outlived their `ex`. */
  expire(url: string): boolean {
    const hit = this.lookup(url);
    if (!hit) return false;
    for (const sig of hit.file.signatures.values()) sig.revoked = true;
    return true;
  }

  delete(url: string): boolean {
    const hit = this.lookup(url);
    if (!hit) return false;
    hit.file.deleted = true;
    return true;
  }

  /** A new signed link for a link of ours; undefined for foreign or deleted files (Discord omits those). */
  refresh(url: string): string | undefined {
    const hit = this.lookup(url);
    if (!hit || hit.file.deleted) return undefined;
    const parsed = new URL(url, this.origin);
    const media = parsed.pathname.startsWith('/cdn/media/') ? '/media' : '';
    return `${this.origin}/cdn${media}${this.pathOf(hit.file)}${this.sign(hit.file)}`;
  }
}
