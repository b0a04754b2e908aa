import type { Logger } from '../log';
import { discordErrorCode, DiscordCodes, type Messenger, type VideoFile } from '../discord/messenger';
import { renderDelivered, type MessagePayload } from '../discord/render';
import type { Clock } from '../util/clock';
import type { DeliveryRoute, Job } from './record';
import type { Download } from './download';

/**
 * Gets a finished video to its requester, by the first route that works (DESIGN.md, the job message):
 * the interaction reply while its token lives; then the same message through the channel endpoint; then a
 * new channel message mentioning the requester; then a DM. A file too large for a route becomes a link
 * button on that same route, never silence.
 */

/** Plain bot-token posts (channel messages, DMs) may carry this much, whatever the interaction allowed. */
export const BOT_UPLOAD_LIMIT = 10 * 1024 * 1024;
/** An upload takes time: a token this close to its end is treated as expired. */
const TOKEN_MARGIN_MS = 60_000;

export interface DeliveryResult {
  route: DeliveryRoute | null;
  attached: boolean;
  /** The interaction token answered as dead (isDeadToken) on the way: later edits skip it. */
  tokenDead: boolean;
}

export interface DeliveryDeps {
  messenger: Messenger;
  download: (url: string, maxBytes: number) => Promise<Download>;
  logger: Logger;
  clock: Clock;
}

type Send = (payload: MessagePayload, file?: VideoFile) => Promise<unknown>;

/** 401/50027 or 10015: the interaction token is gone, and using it again only counts toward Discord's invalid-request ban. */
export function isDeadToken(err: unknown): boolean {
  const { status, code } = discordErrorCode(err);
  return status === 401 || code === DiscordCodes.InvalidWebhookToken || code === DiscordCodes.UnknownWebhook;
}

const isTooLarge = (err: unknown) => {
  const { status, code } = discordErrorCode(err);
  return status === 413 || code === DiscordCodes.EntityTooLarge;
};

export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /** `tokenDead`: the interaction token already answered 401/50027 or 10015; using it again only adds to Discord's invalid-request count. */
  async deliver(job: Job, opts: { tokenDead?: boolean } = {}): Promise<DeliveryResult> {
    let tokenDead = opts.tokenDead ?? false;
    const { logger, clock } = this.deps;
    const log = logger.child({ jobId: job.id, taskId: job.taskId });
    const url = job.videoUrl!;
    const got = await this.deps.download(url, job.attachmentSizeLimit);
    const file: VideoFile | undefined = got.ok ? { name: `vidu-${job.id}.mp4`, data: got.data } : undefined;
    // A link the address guard refused is not shown either: the member would be sent where the bot would not go.
    const linkRefused = !got.ok && got.reason === 'refused';
    if (!got.ok) {
      log.warn({ reason: got.reason, detail: got.reason === 'too_large' ? got.size : got.detail }, linkRefused ? 'video link refused; neither attached nor linked' : 'video not attached; sending the link');
    }
    const sizeBytes = got.ok ? got.data.length : got.reason === 'too_large' ? got.size : undefined;
    const refusedAtDownload = !got.ok && got.reason === 'too_large';

    const { messenger } = this.deps;
    const routes: { route: DeliveryRoute; limit: number; mention: boolean; send: Send; usable: boolean }[] = [
      {
        route: 'reply',
        limit: job.attachmentSizeLimit,
        mention: false,
        usable: !tokenDead && clock.now() < job.tokenExpiresAt - TOKEN_MARGIN_MS,
        send: (p, f) => messenger.editOriginal(job, p, f),
      },
      {
        route: 'channel-edit',
        limit: BOT_UPLOAD_LIMIT,
        mention: false,
        usable: job.replyMessageId !== null,
        send: (p, f) => messenger.editChannelMessage(job.channelId, job.replyMessageId!, p, f),
      },
      { route: 'channel', limit: BOT_UPLOAD_LIMIT, mention: true, usable: true, send: (p, f) => messenger.sendChannel(job.channelId, p, f) },
      { route: 'dm', limit: BOT_UPLOAD_LIMIT, mention: false, usable: true, send: (p, f) => messenger.sendDm(job.userId, p, f) },
    ];

    for (const r of routes) {
      if (!r.usable) continue;
      const fits = file !== undefined && file.data.length <= r.limit;
      const render = (attached: boolean, tooLarge?: { sizeBytes: number | undefined; limitBytes?: number }) =>
        renderDelivered(job, { attached, mention: r.mention ? job.userId : undefined, tooLarge, linkRefused });
      let refusedByDiscord = false;
      try {
        if (fits) {
          try {
            await r.send(render(true), file);
            return { route: r.route, attached: true, tokenDead };
          } catch (err) {
            // Discord's stated limit has been seen to overstate what it accepts: fall back to the link here.
            if (!isTooLarge(err)) throw err;
            refusedByDiscord = true;
            log.warn({ route: r.route, bytes: file.data.length }, 'upload refused as too large; sending the link');
          }
        }
        // Not attached: too large for this route's limit, refused by Discord below it, or not downloaded at all.
        const limitBytes = Math.min(r.limit, job.attachmentSizeLimit);
        await r.send(render(false, refusedByDiscord ? { sizeBytes } : file || refusedAtDownload ? { sizeBytes, limitBytes } : undefined));
        return { route: r.route, attached: false, tokenDead };
      } catch (err) {
        if (r.route === 'reply' && isDeadToken(err)) tokenDead = true;
        log.warn({ route: r.route, ...discordErrorCode(err), err: (err as Error).message }, 'delivery route failed; trying the next');
      }
    }
    log.error('every delivery route failed; the video is undeliverable');
    return { route: null, attached: false, tokenDead };
  }
}
