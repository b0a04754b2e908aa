import { REST, Routes, DiscordAPIError, type RawFile } from 'discord.js';
import type { MessagePayload } from './render';
import { apiBody } from './outgoing';

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

export interface Messenger {
  editOriginal(target: ReplyTarget, payload: MessagePayload, file?: VideoFile): Promise<void>;
  editChannelMessage(channelId: string, messageId: string, payload: MessagePayload, file?: VideoFile): Promise<void>;
  sendChannel(channelId: string, payload: MessagePayload, file?: VideoFile): Promise<string>;
  sendDm(userId: string, payload: MessagePayload, file?: VideoFile): Promise<void>;
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

function body(payload: MessagePayload, file?: VideoFile) {
  return { ...apiBody(payload), attachments: file ? [{ id: '0', filename: file.name }] : [] };
}

function files(file?: VideoFile): RawFile[] | undefined {
  return file ? [{ name: file.name, data: file.data, contentType: file.contentType ?? 'video/mp4' }] : undefined;
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

  private via(file?: VideoFile): REST {
    return file ? this.uploads : this.rest;
  }

  async editOriginal(t: ReplyTarget, payload: MessagePayload, file?: VideoFile): Promise<void> {
    await this.via(file).patch(Routes.webhookMessage(t.applicationId, t.interactionToken, '@original'), { body: body(payload, file), files: files(file), auth: false });
  }

  async editChannelMessage(channelId: string, messageId: string, payload: MessagePayload, file?: VideoFile): Promise<void> {
    await this.via(file).patch(Routes.channelMessage(channelId, messageId), { body: body(payload, file), files: files(file) });
  }

  async sendChannel(channelId: string, payload: MessagePayload, file?: VideoFile): Promise<string> {
    const msg = (await this.via(file).post(Routes.channelMessages(channelId), { body: body(payload, file), files: files(file) })) as { id: string };
    return msg.id;
  }

  async sendDm(userId: string, payload: MessagePayload, file?: VideoFile): Promise<void> {
    const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    await this.sendChannel(channel.id, payload, file);
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
