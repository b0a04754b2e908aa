import { z } from 'zod';
import type { KV } from '../store/kv';

/**
 * "Make a video" keeps the target message's images between its modal and the modal's submit: the submit does
 * not carry the target message, and reading the message again is not possible everywhere the command runs
 * (a user-installed app cannot read the channel, and without the Message Content intent Discord blanks the
 * attachments and embeds of other members' messages; the command's interaction is the one place the bot is
 * shown them). So they are stored, keyed by the command's interaction id, which the modal's custom id carries
 * (src/discord/custom-id.ts), for as long as a form can reasonably stay open.
 */
export const DRAFT_TTL_MS = 30 * 60_000;

const attachmentSchema = z.object({
  url: z.string().url().max(8192),
  filename: z.string().max(1024),
  contentType: z.string().max(255).nullable(),
  size: z.number(),
  width: z.number().nullable(),
  height: z.number().nullable(),
});

const draftSchema = z.object({
  v: z.literal(1),
  /** Who opened the form: only they submit it. */
  userId: z.string().regex(/^\d+$/),
  images: z.array(attachmentSchema).max(7),
  /** How many images the message had (more than 7: only the first 7 are kept). */
  total: z.number().int().min(0),
});

export type Draft = Omit<z.infer<typeof draftSchema>, 'v'>;

export class MakeVideoDrafts {
  constructor(private readonly kv: Pick<KV, 'get' | 'set'>) {}

  async put(interactionId: string, draft: Draft): Promise<void> {
    await this.kv.set(`draft:make:${interactionId}`, draftSchema.parse({ v: 1, ...draft }), DRAFT_TTL_MS);
  }

  /** The draft; undefined when it expired or does not pass its schema (a store error throws). */
  async get(interactionId: string): Promise<Draft | undefined> {
    const parsed = draftSchema.safeParse(await this.kv.get(`draft:make:${interactionId}`));
    if (!parsed.success) return undefined;
    const { v: _v, ...draft } = parsed.data;
    return draft;
  }
}
