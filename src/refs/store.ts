import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KV } from '../store/kv';
import { atomicUpdater, type AtomicUpdate } from '../store/atomic';
import type { ImageHost } from '../apimart';
import { KeyedMutex } from '../util/keyed-mutex';
import {
  refIndexSchema,
  refKeys,
  refSetSchema,
  refUploadSchema,
  sameName,
  type RefEntry,
  type RefImage,
  type RefIndex,
  type RefOwner,
  type RefSet,
  type SaveRefusal,
} from './record';

export interface RefLimits {
  /** Sets one member may keep. */
  perMember: number;
  /** Sets one server may keep. */
  perServer: number;
}

export interface RefStoreOptions {
  host: ImageHost;
  now: () => number;
  limits: RefLimits;
  /**
   * A provider link is reused only while it has this long left: the provider fetches the images when it starts
   * the task, which may be a while after the submit (docs/apimart.md: tasks take 1 to 6 minutes, more when queued).
   */
  linkMarginMs?: number;
  /** How long autocomplete answers from memory before reading the store again. */
  suggestTtlMs?: number;
}

/** An image to keep: its description (read from the bytes) and the bytes; the store adds their hash. */
export interface KeptImage {
  image: Omit<RefImage, 'sha256'>;
  data: Uint8Array;
}

/** An index or set record is kept until its owner deletes it; atomic updates need a TTL, so a long one. */
const KEEP_MS = 10 * 365 * 24 * 3600_000;
const LINK_MARGIN_MS = 6 * 3600_000;
const SUGGEST_TTL_MS = 10_000;
/** Owners whose lists autocomplete keeps in memory at once, oldest dropped first. */
const SUGGEST_MAX_OWNERS = 1_000;

const blobSchema = z.string().min(1);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The record at `key`, checked; damaged or from another version: an error, never half-understood. */
function parse<T>(schema: z.ZodType<T>, value: unknown, key: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`the record ${key} is damaged or of another version`);
  return parsed.data;
}

/** The sets one member can use somewhere: their own, then the server's (none in DMs). */
export interface VisibleSets {
  mine: RefEntry[];
  server: RefEntry[];
}

export type SaveResult = { ok: true; set: RefSet } | { ok: false; refusal: SaveRefusal };

/**
 * Saved reference sets in the key-value store: with a `redis://` store every process sees the same sets, and
 * the bounds per owner hold across processes (the index changes by atomic update, src/store/atomic.ts).
 * The bytes are kept because Discord's attachment links expire after about a day (docs/discord.md); the
 * provider gets a link of its own upload endpoint, reused while valid.
 */
export class RefStore {
  private readonly update: AtomicUpdate;
  private readonly uploading = new KeyedMutex();
  private readonly suggestions = new Map<string, { at: number; sets: RefEntry[] }>();

  constructor(
    private readonly kv: KV,
    private readonly opts: RefStoreOptions,
  ) {
    this.update = atomicUpdater(kv);
  }

  get limits(): RefLimits {
    return this.opts.limits;
  }

  async index(owner: RefOwner): Promise<RefEntry[]> {
    const key = refKeys.index(owner);
    const value = await this.kv.get(key);
    return value === undefined ? [] : parse(refIndexSchema, value, key).sets;
  }

  /** Both lists in one round trip: the two reads run together. */
  async visible(userId: string, guildId: string | null): Promise<VisibleSets> {
    const [mine, server] = await Promise.all([this.index({ kind: 'member', userId }), guildId ? this.index({ kind: 'server', guildId }) : []]);
    return { mine, server };
  }

  /**
   * For autocomplete, which Discord gives 3 s: from memory while fresh (a member types several characters in
   * a row), else the two index reads together.
   */
  async suggest(userId: string, guildId: string | null): Promise<VisibleSets> {
    const now = this.opts.now();
    const ttl = this.opts.suggestTtlMs ?? SUGGEST_TTL_MS;
    const owners: RefOwner[] = [{ kind: 'member', userId }, ...(guildId ? [{ kind: 'server', guildId } as const] : [])];
    const lists = await Promise.all(
      owners.map(async (owner) => {
        const key = refKeys.index(owner);
        const hit = this.suggestions.get(key);
        if (hit && now - hit.at < ttl) return hit.sets;
        const sets = await this.index(owner);
        this.suggestions.delete(key);
        this.suggestions.set(key, { at: now, sets });
        if (this.suggestions.size > SUGGEST_MAX_OWNERS) this.suggestions.delete(this.suggestions.keys().next().value!);
        return sets;
      }),
    );
    return { mine: lists[0]!, server: lists[1] ?? [] };
  }

  /** The set of that name: the member's own first, then the server's. */
  async find(name: string, userId: string, guildId: string | null): Promise<RefSet | undefined> {
    const { mine, server } = await this.visible(userId, guildId);
    const entry = mine.find((e) => sameName(e.name, name)) ?? server.find((e) => sameName(e.name, name));
    return entry && this.get(entry.id);
  }

  /** The owner's set of that name. */
  async findOwned(owner: RefOwner, name: string): Promise<RefSet | undefined> {
    const entry = (await this.index(owner)).find((e) => sameName(e.name, name));
    return entry && this.get(entry.id);
  }

  async get(id: string): Promise<RefSet | undefined> {
    const key = refKeys.set(id);
    const value = await this.kv.get(key);
    return value === undefined ? undefined : parse(refSetSchema, value, key);
  }

  /** Whether a save would be refused as things stand, before any image is downloaded. */
  refusal(owner: RefOwner, name: string, sets: RefEntry[]): SaveRefusal | undefined {
    if (sets.some((e) => sameName(e.name, name))) return { code: 'name_taken', name, owner: owner.kind };
    const max = owner.kind === 'member' ? this.opts.limits.perMember : this.opts.limits.perServer;
    if (sets.length >= max) return owner.kind === 'member' ? { code: 'member_full', max } : { code: 'server_full', max };
    return undefined;
  }

  /**
   * Keeps the images, then the set, then lists it in the owner's index; the bounds and the name are checked
   * again in that last, atomic step, so two saves at once cannot pass a bound together. A refused save removes
   * what it wrote.
   */
  async save(owner: RefOwner, name: string, createdBy: string, images: KeptImage[]): Promise<SaveResult> {
    const id = randomBytes(10).toString('hex');
    const set: RefSet = { v: 1, id, name, owner, createdBy, createdAt: this.opts.now(), images: images.map((i) => ({ ...i.image, sha256: sha256(i.data) })) };
    // One at a time: each write of up to 27 MB of base64 stays well inside the store's call deadline.
    for (const [n, i] of images.entries()) await this.kv.set(refKeys.blob(id, n), Buffer.from(i.data).toString('base64'));
    await this.kv.set(refKeys.set(id), set);
    const key = refKeys.index(owner);
    const refusal = await this.update<SaveRefusal | undefined>(
      key,
      async (current) => {
        const index: RefIndex = current === undefined ? { v: 1, sets: [] } : parse(refIndexSchema, current, key);
        const refused = this.refusal(owner, name, index.sets);
        return refused ? { result: refused } : { result: undefined, next: { v: 1, sets: [...index.sets, { id, name, images: images.length, createdAt: set.createdAt }] } };
      },
      KEEP_MS,
    );
    this.suggestions.delete(key);
    if (refusal) {
      await this.removeRecords(set);
      return { ok: false, refusal };
    }
    return { ok: true, set };
  }

  /** Removes the owner's set of that name and its images; undefined when there is none. */
  async delete(owner: RefOwner, name: string): Promise<RefSet | undefined> {
    const key = refKeys.index(owner);
    const removed = await this.update<RefEntry | undefined>(
      key,
      async (current) => {
        if (current === undefined) return { result: undefined };
        const index = parse(refIndexSchema, current, key);
        const entry = index.sets.find((e) => sameName(e.name, name));
        return entry ? { result: entry, next: { v: 1, sets: index.sets.filter((e) => e !== entry) } } : { result: undefined };
      },
      KEEP_MS,
    );
    this.suggestions.delete(key);
    if (!removed) return undefined;
    const set = await this.get(removed.id);
    if (set) await this.removeRecords(set);
    return set;
  }

  private async removeRecords(set: RefSet): Promise<void> {
    for (const n of set.images.keys()) {
      await this.kv.delete(refKeys.blob(set.id, n));
      await this.kv.delete(refKeys.upload(set.id, n));
    }
    await this.kv.delete(refKeys.set(set.id));
  }

  /** One kept image's bytes, or undefined when they are gone (the set was deleted meanwhile). */
  async bytes(set: RefSet, n: number): Promise<Buffer | undefined> {
    const key = refKeys.blob(set.id, n);
    const value = await this.kv.get(key);
    if (value === undefined) return undefined;
    const data = Buffer.from(parse(blobSchema, value, key), 'base64');
    if (sha256(data) !== set.images[n]!.sha256) throw new Error(`the record ${key} does not hold the bytes its set describes`);
    return data;
  }

  /**
   * A provider link for each image of the set that works now and for the margin after: the kept link while it
   * has that long left, else a new upload (its link kept until the margin before its end). Undefined when the
   * set's bytes are gone. Upload errors are the client's typed errors (src/apimart/errors.ts).
   */
  async providerUrls(set: RefSet): Promise<string[] | undefined> {
    const margin = this.opts.linkMarginMs ?? LINK_MARGIN_MS;
    const urls = await Promise.all(
      set.images.map((image, n) =>
        // Two jobs from one set at once upload each image once.
        this.uploading.run(`${set.id}:${n}`, async () => {
          const key = refKeys.upload(set.id, n);
          const kept = refUploadSchema.safeParse(await this.kv.get(key));
          if (kept.success && kept.data.sha256 === image.sha256 && kept.data.expiresAt - margin > this.opts.now()) return kept.data.url;
          const data = await this.bytes(set, n);
          if (!data) return undefined;
          const up = await this.opts.host.upload({ data, filename: image.filename, contentType: image.contentType });
          const keepFor = up.expiresAt - margin - this.opts.now();
          if (keepFor > 0) await this.kv.set(key, { v: 1, url: up.url, expiresAt: up.expiresAt, sha256: image.sha256 }, keepFor);
          return up.url;
        }),
      ),
    );
    return urls.every((u): u is string => u !== undefined) ? urls : undefined;
  }
}
