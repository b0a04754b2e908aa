export type StoreKind = 'sqlite' | 'redis' | 'memory';
/** `open` covers everything `openStore` does before it returns: connecting, creating the table, the write probe. */
export type StoreOp = 'open' | 'get' | 'set' | 'delete' | 'close';

/**
 * A store call that did not succeed: it failed, or it did not answer in time. Never an empty answer instead:
 * a read that fails must not look like "no record" (no limits, no job), a write that fails must not look done.
 */
export class StoreError extends Error {
  readonly op: StoreOp;
  readonly kind: StoreKind;
  readonly key: string | undefined;
  readonly timedOut: boolean;
  /** What went wrong, without the op and key. */
  readonly detail: string;
  /** STORE_URL with any password replaced (redactStoreUrl), on errors of `open`. */
  readonly url: string | undefined;

  constructor(op: StoreOp, kind: StoreKind, detail: string, opts: { key?: string | undefined; timedOut?: boolean; url?: string; cause?: unknown } = {}) {
    const what = opts.key !== undefined ? ` of "${opts.key}"` : opts.url !== undefined ? ` at STORE_URL=${opts.url}` : '';
    super(`${kind} store ${op}${what} failed: ${detail}`, { cause: opts.cause });
    this.name = 'StoreError';
    this.op = op;
    this.kind = kind;
    this.key = opts.key;
    this.timedOut = opts.timedOut ?? false;
    this.detail = detail;
    this.url = opts.url;
  }
}

/** What a driver's error says, with its code when the message lacks it (sqlite3: `SQLITE_BUSY: database is locked`). */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const message = err.message || err.name;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * STORE_URL as an operator may see it in a message: a password in the URL (`redis://user:secret@host`) is
 * replaced. A URL that does not parse shows only its scheme, since where its password ends cannot be known.
 */
export function redactStoreUrl(url: string): string {
  if (!/^rediss?:\/\//.test(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return `${url.slice(0, url.indexOf('://') + 3)}…`;
  }
}

/** `work`, or `onTimeout()` as a rejection once `ms` have passed. The timer never outlives the race. */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
