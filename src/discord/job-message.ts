import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import type { Download } from '../jobs/download';
import type { DeliveryResult, JobEnding, JobView } from '../jobs/ports';
import type { DeliveryRoute, Job } from '../jobs/record';
import { discordErrorCode, DiscordCodes, type Messenger, type VideoFile } from './messenger';
import { DEFAULT_UPLOAD_LIMIT } from './platform';
import { messagesFor } from './messages';
import { mentioning, renderCancelled, renderDelivered, renderFailed, renderRunning, renderUndeliverable, type MessagePayload } from './render';

/**
 * A job's message on Discord: where it lives, whether its interaction token still works, and the one chain of
 * routes every update takes (docs/commands.md, the job message): the interaction reply while its token lives;
 * then the same message through the channel endpoint (the reply's message id, kept from the deferral); then a
 * new channel message mentioning the requester; then a DM. Progress only ever edits the message in place (a
 * new post every few seconds would be spam); the final message and the video take the whole chain, so a job
 * never ends in silence. A file too large for a route becomes a link on that same route.
 */

/** A token this close to its end is treated as expired: an upload or an edit takes time (docs/discord.md). */
const TOKEN_MARGIN_MS = 60_000;

/** 401/50027 or 10015: the interaction token is gone, and using it again only counts toward Discord's invalid-request ban. */
export function isDeadToken(err: unknown): boolean {
  const { status, code } = discordErrorCode(err);
  return status === 401 || code === DiscordCodes.InvalidWebhookToken || code === DiscordCodes.UnknownWebhook;
}

/** 413/40005: Discord refused the file as too large, whatever limit it stated (docs/discord.md). */
export function isTooLarge(err: unknown): boolean {
  const { status, code } = discordErrorCode(err);
  return status === 413 || code === DiscordCodes.EntityTooLarge;
}

type Send = (payload: MessagePayload, file?: VideoFile) => Promise<unknown>;

interface Route {
  route: DeliveryRoute;
  /** Largest file this route takes. */
  limit: number;
  /** A new message the requester would not otherwise see: the one mention the bot ever makes. */
  mention: boolean;
  send: Send;
}

export interface JobMessageDeps {
  messenger: Messenger;
  download: (url: string, maxBytes: number) => Promise<Download>;
  logger: Logger;
  clock: Clock;
}

export class JobMessage implements JobView {
  /** Tokens that answered as dead (isDeadToken): never used again. */
  private readonly deadTokens = new Set<string>();

  constructor(private readonly deps: JobMessageDeps) {}

  async showRunning(job: Job, now: number): Promise<boolean> {
    for (const r of this.routes(job, 'in place')) {
      if (await this.trySend(job, r, () => r.send(renderRunning(job, now, messagesFor(job.locale))).then(() => true))) return true;
    }
    return false;
  }

  async showEnded(job: Job, ending: JobEnding): Promise<void> {
    // The requester's language, stored with the job: this message may outlive their interaction.
    const m = messagesFor(job.locale);
    const payload = ending.kind === 'failed' ? renderFailed(job, ending.reason, ending, m) : ending.kind === 'cancelled' ? renderCancelled(job, ending.by, m) : renderUndeliverable(job, m);
    for (const r of this.routes(job, 'anywhere')) {
      if (await this.trySend(job, r, () => r.send(r.mention ? mentioning(payload, job.userId) : payload).then(() => true))) return;
    }
    this.log(job).error(
      { state: job.state, tokenExpired: !this.tokenUsable(job), tokenDead: this.deadTokens.has(job.interactionToken), channelMessage: job.replyMessageId !== null },
      'the job message could not be updated to its final state on any route; the requester has not been told',
    );
  }

  async deliver(job: Job): Promise<DeliveryResult> {
    const log = this.log(job);
    const got = await this.deps.download(job.videoUrl!, job.attachmentSizeLimit);
    const file: VideoFile | undefined = got.ok ? { name: `vidu-${job.id}.mp4`, data: got.data } : undefined;
    // A link the address guard refused is not shown either: the member would be sent where the bot would not go.
    const linkRefused = !got.ok && got.reason === 'refused';
    if (!got.ok) {
      log.warn({ reason: got.reason, detail: got.reason === 'too_large' ? got.size : got.detail }, linkRefused ? 'video link refused; neither attached nor linked' : 'video not attached; sending the link');
    }
    const sizeBytes = got.ok ? got.data.length : got.reason === 'too_large' ? got.size : undefined;
    const refusedAtDownload = !got.ok && got.reason === 'too_large';

    const m = messagesFor(job.locale);
    for (const r of this.routes(job, 'anywhere')) {
      const fits = file !== undefined && file.data.length <= r.limit;
      const render = (attached: boolean, tooLarge?: { sizeBytes: number | undefined; limitBytes?: number }) =>
        renderDelivered(job, { attached, mention: r.mention ? job.userId : undefined, tooLarge, linkRefused }, m);
      let refusedByDiscord = false;
      const sent = await this.trySend(job, r, async () => {
        if (fits) {
          try {
            await r.send(render(true), file);
            return true;
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
        return false;
      });
      if (sent !== undefined) return { route: r.route, attached: sent === true };
    }
    log.error('every delivery route failed; the video is undeliverable');
    return { route: null, attached: false };
  }

  forget(job: Job): void {
    this.deadTokens.delete(job.interactionToken);
  }

  private log(job: Job) {
    return this.deps.logger.child({ jobId: job.id, taskId: job.taskId ?? undefined });
  }

  private tokenUsable(job: Job): boolean {
    return !this.deadTokens.has(job.interactionToken) && this.deps.clock.now() < job.tokenExpiresAt - TOKEN_MARGIN_MS;
  }

  /** The routes open to this job now, in order; `in place` keeps to the message itself. */
  private routes(job: Job, reach: 'in place' | 'anywhere'): Route[] {
    const { messenger } = this.deps;
    const routes: Route[] = [];
    if (this.tokenUsable(job)) routes.push({ route: 'reply', limit: job.attachmentSizeLimit, mention: false, send: (p, f) => messenger.editOriginal(job, p, f) });
    if (job.replyMessageId !== null) {
      const messageId = job.replyMessageId;
      routes.push({ route: 'channel-edit', limit: DEFAULT_UPLOAD_LIMIT, mention: false, send: (p, f) => messenger.editChannelMessage(job.channelId, messageId, p, f) });
    }
    if (reach === 'anywhere') {
      routes.push(
        { route: 'channel', limit: DEFAULT_UPLOAD_LIMIT, mention: true, send: (p, f) => messenger.sendChannel(job.channelId, p, f) },
        { route: 'dm', limit: DEFAULT_UPLOAD_LIMIT, mention: false, send: (p, f) => messenger.sendDm(job.userId, p, f) },
      );
    }
    return routes;
  }

  /** One route's attempt: its result, or undefined when the route failed (logged, and a dead token remembered). */
  private async trySend<T>(job: Job, r: Route, attempt: () => Promise<T>): Promise<T | undefined> {
    try {
      return await attempt();
    } catch (err) {
      if (r.route === 'reply' && isDeadToken(err)) this.deadTokens.add(job.interactionToken);
      this.log(job).warn({ route: r.route, ...discordErrorCode(err), err: (err as Error).message }, 'a route to the job message failed; trying the next');
      return undefined;
    }
  }
}
