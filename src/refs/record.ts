import { z } from 'zod';
import { IMAGE_RULES } from '../models';

/**
 * Saved reference sets (/video-refs, docs/commands.md) as stored. Versioned and checked on every read, like
 * job records. A set is four kinds of record, so that what is read often stays small:
 * - `refs:index:<owner>`: the owner's sets (name, image count), all that list and autocomplete need;
 * - `refs:set:<id>`: one set's image descriptions;
 * - `refs:blob:<id>:<n>`: one image's bytes, base64, under a key of its own (up to 20 MB each);
 * - `refs:upload:<id>:<n>`: the provider link of that image while it is valid (expires with it).
 */

/** Names: 1 to 32 letters, digits, `-` or `_`; unique per owner, compared without case. */
export const REF_NAME_MAX = 32;
export const REF_NAME = /^[A-Za-z0-9_-]{1,32}$/;
export const isRefName = (name: string) => REF_NAME.test(name);
export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const snowflake = z.string().regex(/^\d+$/);

/** A member's own sets go wherever the member does; a server's are shared by its members. */
export type RefOwner = { kind: 'member'; userId: string } | { kind: 'server'; guildId: string };
const ownerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('member'), userId: snowflake }),
  z.object({ kind: z.literal('server'), guildId: snowflake }),
]);

const setId = z.string().regex(/^[a-z0-9]{8,32}$/);

export const refImageSchema = z.object({
  filename: z.string().min(1),
  contentType: z.enum(Object.keys(IMAGE_RULES.contentTypes) as [string, ...string[]]),
  bytes: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Of the bytes kept, checked when they are read back. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type RefImage = z.infer<typeof refImageSchema>;

export const refSetSchema = z.object({
  v: z.literal(1),
  id: setId,
  name: z.string().regex(REF_NAME),
  owner: ownerSchema,
  createdBy: snowflake,
  createdAt: z.number(),
  images: z.array(refImageSchema).min(1).max(IMAGE_RULES.maxImages),
});
export type RefSet = z.infer<typeof refSetSchema>;

export const refEntrySchema = z.object({ id: setId, name: z.string().regex(REF_NAME), images: z.number().int().min(1).max(IMAGE_RULES.maxImages), createdAt: z.number() });
export type RefEntry = z.infer<typeof refEntrySchema>;
export const refIndexSchema = z.object({ v: z.literal(1), sets: z.array(refEntrySchema) });
export type RefIndex = z.infer<typeof refIndexSchema>;

export const refUploadSchema = z.object({ v: z.literal(1), url: z.string().url(), expiresAt: z.number(), sha256: z.string() });

export const refKeys = {
  index: (o: RefOwner) => (o.kind === 'member' ? `refs:index:member:${o.userId}` : `refs:index:server:${o.guildId}`),
  set: (id: string) => `refs:set:${id}`,
  blob: (id: string, n: number) => `refs:blob:${id}:${n}`,
  upload: (id: string, n: number) => `refs:upload:${id}:${n}`,
};

/** Why a set was not saved, as data (worded in src/discord/messages/). */
export type SaveRefusal = { code: 'name_taken'; name: string; owner: RefOwner['kind'] } | { code: 'member_full'; max: number } | { code: 'server_full'; max: number };
