import { REST, Routes, DiscordAPIError, type RawFile } from 'discord.js';
import { z } from 'zod';
import { apiBody, type Outgoing } from './outgoing';

/**
 * The bot's outgoing Discord calls about jobs, as raw REST. Interaction webhook calls go with `auth: false`:
 * a 401 on a call that carried the bot token makes @discordjs/rest drop the token (docs/discord.md), and an
 * expired interaction token answers exactly that.
 */

export interface ReplyTarget {
  applicationId: string;
  interactionToken: string;
}

export interface VideoFile {
  name: string;
  data: Buffer;
  /** `video/mp4` when absent; /video-stats sends its CSV the same way. */
  contentType?: string;
}

/** A file the message already carries, by the attachment id Discord gave it. */
export interface KeptFile {
  id: string;
  filename: string;
}

/**
 * Where a write landed and the files the message carries after it, as Discord answered: what a later edit lists
 * to keep them. The write went out whatever the answer looked like, so an answer that does not parse gives
 * nulls and no files rather than an error (an error would make the caller send it again).
 */
export interface Posted {
  channelId: string | null;
  messageId: string | null;
  attachments: readonly KeptFile[];
}

const postedSchema = z.object({
  id: z.string(),
  channel_id: z.string(),
  attachments: z.array(z.object({ id: z.string(), filename: z.string() })).default([]),
});

function posted(res: unknown): Posted {
  const p = postedSchema.safeParse(res);
  return p.success ? { channelId: p.data.channel_id, messageId: p.data.id, attachments: p.data.attachments.map(({ id, filename }) => ({ id, filename })) } : { channelId: null, messageId: null, attachments: [] };
}

/**
 * The calls about a job message. `files` are uploaded with it; `keep` names files the message already has. An
 * edit listing either keeps exactly those (Discord drops the rest, docs/discord.md); an edit with neither keeps
 * every file the message has, so a progress edit never drops a take already delivered.
 */
export interface Messenger {
  editOriginal(target: ReplyTarget, payload: Outgoing, files?: readonly VideoFile[], keep?: readonly KeptFile[]): Promise<Posted>;
  editChannelMessage(channelId: string, messageId: string, payload: Outgoing, files?: readonly VideoFile[], keep?: readonly KeptFile[]): Promise<Posted>;
  sendChannel(channelId: string, payload: Outgoing, files?: readonly VideoFile[]): Promise<Posted>;
  sendDm(userId: string, payload: Outgoing, files?: readonly VideoFile[]): Promise<Posted>;
  deleteOriginal(target: ReplyTarget): Promise<void>;
  deleteChannelMessage(channelId: string, messageId: string): Promise<void>;
  /** Renews expired Discord CDN links; links Discord no longer has are absent from the map. */
  refreshAttachmentUrls(urls: string[]): Promise<Map<string, string>>;
}

/** Discord JSON error codes the bot branches on: a dead interaction token, an upload refused as too large, a channel the bot cannot post in. */
export const DiscordCodes = {
  UnknownChannel: 10003,
  UnknownWebhook: 10015,
  MissingAccess: 50001,
  MissingPermissions: 50013,
  InvalidWebhookToken: 50027,
  EntityTooLarge: 40005,
} as const;

export function discordErrorCode(err: unknown): { status: number | undefined; code: number | string | undefined } {
  if (err instanceof DiscordAPIError) return { status: err.status, code: err.code };
  const e = err as { status?: number; code?: number | string };
  return { status: typeof e?.status === 'number' ? e.status : undefined, code: e?.code };
}

function body(payload: Outgoing, files: readonly VideoFile[], keep: readonly KeptFile[] = []) {
  if (!files.length && !keep.length) return apiBody(payload);
  // Attachment ids are strings in Discord's spec (and in discord.js): kept files by their id, new ones by their index.
  return { ...apiBody(payload), attachments: [...keep.map(({ id, filename }) => ({ id, filename })), ...files.map((f, i) => ({ id: String(i), filename: f.name }))] };
}

function raw(files: readonly VideoFile[]): RawFile[] | undefined {
  return files.length ? files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType ?? 'video/mp4' })) : undefined;
}

export class RestMessenger implements Messenger {
  /**
   * @param rest the client's REST manager (bot token set) for small calls
   * @param uploads a REST manager for uploads: a long timeout, since discord.js's 15 s is too short for tens
   *   of megabytes, and no automatic retries, since a retried POST can post the video twice
   */
  constructor(
    private readonly rest: REST,
    private readonly uploads: REST,
  ) {}

  private via(files: readonly VideoFile[]): REST {
    return files.length ? this.uploads : this.rest;
  }

  async editOriginal(t: ReplyTarget, payload: Outgoing, files: readonly VideoFile[] = [], keep: readonly KeptFile[] = []): Promise<Posted> {
    return posted(await this.via(files).patch(Routes.webhookMessage(t.applicationId, t.interactionToken, '@original'), { body: body(payload, files, keep), files: raw(files), auth: false }));
  }

  async editChannelMessage(channelId: string, messageId: string, payload: Outgoing, files: readonly VideoFile[] = [], keep: readonly KeptFile[] = []): Promise<Posted> {
    return posted(await this.via(files).patch(Routes.channelMessage(channelId, messageId), { body: body(payload, files, keep), files: raw(files) }));
  }

  async sendChannel(channelId: string, payload: Outgoing, files: readonly VideoFile[] = []): Promise<Posted> {
    return posted(await this.via(files).post(Routes.channelMessages(channelId), { body: body(payload, files), files: raw(files) }));
  }

  async sendDm(userId: string, payload: Outgoing, files: readonly VideoFile[] = []): Promise<Posted> {
    const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    return this.sendChannel(channel.id, payload, files);
  }

  async deleteOriginal(t: ReplyTarget): Promise<void> {
    await this.rest.delete(Routes.webhookMessage(t.applicationId, t.interactionToken, '@original'), { auth: false });
  }

  async deleteChannelMessage(channelId: string, messageId: string): Promise<void> {
    await this.rest.delete(Routes.channelMessage(channelId, messageId));
  }

  async refreshAttachmentUrls(urls: string[]): Promise<Map<string, string>> {
    const res = (await this.rest.post('/attachments/refresh-urls', { body: { attachment_urls: urls } })) as {
      refreshed_urls?: { original: string; refreshed: string }[];
    };
    return new Map((res.refreshed_urls ?? []).map((r) => [r.original, r.refreshed]));
  }
}

export function createUploadRest(api: string, token: string): REST {
  return new REST({ api, timeout: 120_000, retries: 0 }).setToken(token);
}
