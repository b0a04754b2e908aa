import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import type { Download } from '../jobs/download';
import type { DeliveryResult, JobEnding, JobView, Takes } from '../jobs/ports';
import { isFinal, type DeliveryRoute, type Job } from '../jobs/record';
import { renderApprovalDecided } from './render-approval';
import { discordErrorCode, DiscordCodes, type KeptFile, type Messenger, type Posted, type VideoFile } from './messenger';
import { DEFAULT_UPLOAD_LIMIT } from './platform';
import { messagesFor } from './messages';
import { renderCard, videoFileName } from './card';
import type { NotAttached } from './card-reasons';
import type { Outgoing } from './outgoing';
import type { Notices } from './notices';

/**
 * A job's message on Discord: where it lives, whether its interaction token still works, and the one chain of
 * routes every update takes (docs/commands.md, the job message): the interaction reply while its token lives;
 * then the same message through the channel endpoint (the reply's message id, kept from the deferral); then a
 * new channel message mentioning the requester; then a DM. Progress only ever edits the message in place (a
 * new post every few seconds would be spam); the final message and the video take the whole chain, so a job
 * never ends in silence. A file too large for a route becomes a link on that same route. The message is a
 * Components V2 card (./card.ts) holding every take of a request made with `variations`.
 *
 * A private job (`private:true`) has an ephemeral reply, which only its interaction token can reach (the channel
 * endpoint answers 10008), and nothing of it may be posted in the channel: its chain is the reply, then a DM.
 * When the DM is refused too, the member is told at their next command (./notices.ts).
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

type Send = (payload: Outgoing, files?: readonly VideoFile[], keep?: readonly KeptFile[]) => Promise<Posted>;

interface Route {
  route: DeliveryRoute;
  /** Largest file this route takes, and the most its files may weigh together (docs/discord.md, upload limits). */
  limit: number;
  /** A new message the requester would not otherwise see: the one mention the bot ever makes. */
  mention: boolean;
  /** The message this route writes into, when known: its files may be kept; null for a new message. */
  messageId: string | null;
  send: Send;
}

/**
 * Where a request's card is now: the message its last delivered take went to (undefined before any, or when
 * Discord's answer did not say). A new channel post or a DM becomes the card's home for the takes after it.
 */
type Home = { route: DeliveryRoute; channelId: string; messageId: string };

function homeOf(takes: Takes): Home | undefined {
  let home: (Home & { at: number }) | undefined;
  for (const t of takes) {
    const d = t.delivery;
    if (t.state !== 'delivered' || !d?.message) continue;
    const at = t.finishedAt ?? 0;
    if (!home || at >= home.at) home = { route: d.route, ...d.message, at };
  }
  return home && { route: home.route, channelId: home.channelId, messageId: home.messageId };
}

/** The takes delivered into a message as files: it carries them, whether or not Discord's answer gave their ids. */
function carriedIn(takes: Takes, messageId: string | null): Job[] {
  return messageId === null ? [] : takes.filter((t) => t.state === 'delivered' && t.delivery?.attached && t.delivery.message?.messageId === messageId);
}

/** The files a message carries that an edit can list to keep: those whose attachment ids are known. */
function keptIn(takes: Takes, messageId: string | null): Map<string, KeptFile> {
  const kept = new Map<string, KeptFile>();
  for (const t of carriedIn(takes, messageId)) if (t.delivery?.attachmentId) kept.set(t.id, { id: t.delivery.attachmentId, filename: videoFileName(t) });
  return kept;
}

export interface JobMessageDeps {
  messenger: Messenger;
  download: (url: string, maxBytes: number) => Promise<Download>;
  logger: Logger;
  clock: Clock;
  /** Where a private job's undelivered video is remembered for the member's next command. */
  notices: Pick<Notices, 'undelivered'>;
}

export class JobMessage implements JobView {
  /** Tokens that answered as dead (isDeadToken): never used again. */
  private readonly deadTokens = new Set<string>();

  constructor(private readonly deps: JobMessageDeps) {}

  async showRunning(takes: Takes, now: number): Promise<boolean> {
    const job = takes[0]!;
    const m = messagesFor(job.locale);
    for (const r of this.routes(job, 'in place', homeOf(takes))) {
      // Takes already delivered play on: the edit lists no files, so the message keeps every one it has, even
      // those whose ids Discord's answer left out (a delivery sends those again, as it cannot list them).
      const card = renderCard(takes, { kind: 'running', now, files: new Set(carriedIn(takes, r.messageId).map((t) => t.id)) }, {}, m);
      if (await this.trySend(job, r, () => r.send(card).then(() => true))) return true;
    }
    return false;
  }

  async showEnded(takes: Takes, ending: JobEnding): Promise<void> {
    const job = takes[0]!;
    // The requester's language, stored with the job: this message may outlive their interaction.
    const m = messagesFor(job.locale);
    // The approval post loses its buttons once nothing is left to decide: denied, or cancelled before a decision.
    if (ending.kind === 'denied' || (ending.kind === 'cancelled' && job.approval?.by === null)) await this.showDecided(job);
    for (const r of this.routes(job, 'anywhere')) {
      const card = renderCard(takes, { kind: 'ended', ending }, { mention: r.mention ? job.userId : undefined }, m);
      if (await this.trySend(job, r, () => r.send(card).then(() => true))) return;
    }
    this.log(job).error(
      { state: job.state, tokenExpired: !this.tokenUsable(job), tokenDead: this.deadTokens.has(job.interactionToken), channelMessage: job.replyMessageId !== null },
      'the job message could not be updated to its final state on any route; the requester has not been told',
    );
  }

  /**
   * The approval post of a decided request, its buttons gone (docs/commands.md, approval). A post that cannot be
   * edited is logged: the decision stands, and its buttons answer that it was decided.
   */
  async showDecided(job: Job): Promise<void> {
    const post = job.approval;
    if (!post?.messageId) return;
    await this.deps.messenger.editChannelMessage(post.channelId, post.messageId, renderApprovalDecided(job, messagesFor(job.approval?.locale))).catch((err: unknown) => this.log(job).warn({ err: (err as Error).message }, 'the approval post could not be updated'));
  }

  /**
   * Sends the card with the finished takes (docs/commands.md, variations: each take joins the card when it is
   * made). On each route, the files the message already carries are kept by their ids, and the other made takes
   * are uploaded (on the card's own message, only the new ones; on a new message, every take made as a file),
   * in order while each file, and all uploaded together, fit that route's limit (Discord limits the whole
   * request too); the others are links in the card, with why and when the link expires. A 413 on the upload
   * sends the same card with those links instead. Each take is downloaded once, capped at what is left of the
   * interaction's upload limit, so no more than that is held in memory.
   */
  async deliver(takes: Takes): Promise<DeliveryResult> {
    const job = takes[0]!;
    const log = this.log(job);
    const made = takes.filter((t) => t.state === 'completed' || t.state === 'delivered');
    const running = takes.some((t) => !isFinal(t.state) && t.state !== 'completed');
    const got = new Map<string, { file?: VideoFile; why?: NotAttached }>();
    let held = 0;
    const fetched = async (t: Job) => {
      const had = got.get(t.id);
      if (had) return had;
      const d = await this.deps.download(t.videoUrl!, job.attachmentSizeLimit - held);
      let out: { file?: VideoFile; why?: NotAttached };
      if (d.ok) {
        out = { file: { name: videoFileName(t), data: d.data } };
        held += d.data.length;
      } else {
        // A link the address guard refused is not shown either: the member would be sent where the bot would not go.
        log.warn({ take: t.group?.index, reason: d.reason, detail: d.reason === 'too_large' ? d.size : d.detail }, d.reason === 'refused' ? 'video link refused; neither attached nor linked' : 'video not attached; sending the link');
        out = {
          why:
            d.reason === 'refused'
              ? { code: 'link_refused' }
              : d.reason !== 'too_large'
                ? { code: 'not_downloaded' }
                : d.size !== undefined && d.size <= job.attachmentSizeLimit
                  ? { code: 'no_room', sizeBytes: d.size, limitBytes: job.attachmentSizeLimit }
                  : { code: 'too_large', sizeBytes: d.size, limitBytes: job.attachmentSizeLimit },
        };
      }
      got.set(t.id, out);
      return out;
    };

    const m = messagesFor(job.locale);
    for (const r of this.routes(job, 'anywhere', homeOf(takes))) {
      const keep = keptIn(takes, r.messageId);
      // A take delivered as a link stays one; every other made take not in this message is sent as a file.
      const toSend = made.filter((t) => !keep.has(t.id) && (t.state === 'completed' || t.delivery?.attached === true));
      const files: { take: Job; file: VideoFile }[] = [];
      const notAttached = new Map<string, NotAttached>();
      let total = 0;
      for (const t of toSend) {
        const { file, why } = await fetched(t);
        const limitBytes = Math.min(r.limit, job.attachmentSizeLimit);
        if (!file) notAttached.set(t.id, why!.code === 'too_large' ? { ...why!, limitBytes } : why!.code === 'no_room' ? { ...why!, limitBytes: r.limit } : why!);
        else if (file.data.length > r.limit) notAttached.set(t.id, { code: 'too_large', sizeBytes: file.data.length, limitBytes });
        else if (total + file.data.length > r.limit) notAttached.set(t.id, { code: 'no_room', sizeBytes: file.data.length, limitBytes: r.limit });
        else {
          files.push({ take: t, file });
          total += file.data.length;
        }
      }
      const mention = r.mention ? job.userId : undefined;
      const card = (uploaded: readonly Job[]) => {
        const inMessage = new Set([...keep.keys(), ...uploaded.map((t) => t.id)]);
        return renderCard(takes, running ? { kind: 'running', now: this.deps.clock.now(), files: inMessage, notAttached } : { kind: 'delivered', notAttached, files: inMessage }, { mention }, m);
      };
      const sent = await this.trySend(job, r, async () => {
        if (files.length) {
          try {
            const answer = await r.send(card(files.map((f) => f.take)), files.map((f) => f.file), [...keep.values()]);
            return { answer, uploaded: files.map((f) => f.take) };
          } catch (err) {
            // Discord's stated limit has been seen to overstate what it accepts: fall back to the links here.
            if (!isTooLarge(err)) throw err;
            log.warn({ route: r.route, bytes: total, files: files.length }, 'upload refused as too large; sending the links');
            for (const { take, file } of files) notAttached.set(take.id, { code: 'refused', sizeBytes: file.data.length });
          }
        }
        return { answer: await r.send(card([]), [], [...keep.values()]), uploaded: [] as Job[] };
      });
      if (!sent) continue;
      const { answer, uploaded } = sent;
      const result = new Map<string, { attachmentId?: string | undefined } | { linked: NotAttached }>();
      for (const t of uploaded) result.set(t.id, { attachmentId: answer.attachments.find((a) => a.filename === videoFileName(t))?.id });
      for (const [id, why] of notAttached) result.set(id, { linked: why });
      const where = answer.channelId && answer.messageId ? { channelId: answer.channelId, messageId: answer.messageId } : undefined;
      return { route: r.route, sent: result, message: where };
    }
    log.error({ private: job.private === true }, 'every delivery route failed; the video is undeliverable');
    if (job.private) await this.remember(job);
    return { route: null, sent: new Map() };
  }

  /**
   * Delete (docs/commands.md, buttons): removes the job's message, the one pressed in `at`. While the job's
   * token lives and that message is the interaction's reply, through the webhook (it works where the bot cannot
   * read the channel, as a user-installed app); else, or when that fails, through the channel endpoint (the
   * bot may always delete its own messages). False when both refused.
   */
  async remove(job: Job, at: { channelId: string; messageId: string }): Promise<boolean> {
    const { messenger } = this.deps;
    if ((job.replyMessageId === null || job.replyMessageId === at.messageId) && this.tokenUsable(job)) {
      try {
        await messenger.deleteOriginal(job);
        return true;
      } catch (err) {
        if (isDeadToken(err)) this.deadTokens.add(job.interactionToken);
        this.log(job).warn({ ...discordErrorCode(err), err: (err as Error).message }, 'deleting the job message through the webhook failed; trying the channel');
      }
    }
    try {
      await messenger.deleteChannelMessage(at.channelId, at.messageId);
      return true;
    } catch (err) {
      this.log(job).warn({ ...discordErrorCode(err), err: (err as Error).message }, 'deleting the job message failed');
      return false;
    }
  }

  /** A private job's video reached neither its reply nor the DMs: the member hears of it at their next command. */
  private async remember(job: Job): Promise<void> {
    try {
      await this.deps.notices.undelivered(job.userId, job.id);
      this.log(job).info('the requester will be told at their next command');
    } catch (err) {
      this.log(job).error({ err: (err as Error).message }, 'could not keep the notice of an undelivered private video');
    }
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

  /**
   * The routes open to this job now, in order; `in place` keeps to the card's message itself. Until a take was
   * delivered elsewhere, that is the interaction's reply (by its token, then by the channel endpoint); once the
   * card moved to a new channel post or a DM, that message, by the channel endpoint.
   */
  private routes(job: Job, reach: 'in place' | 'anywhere', home?: Home): Route[] {
    const { messenger } = this.deps;
    const routes: Route[] = [];
    const inReply = !home || home.route === 'reply' || home.route === 'channel-edit';
    if (inReply) {
      const replyId = home?.messageId ?? job.replyMessageId;
      if (this.tokenUsable(job)) routes.push({ route: 'reply', limit: job.attachmentSizeLimit, mention: false, messageId: replyId, send: (p, f, k) => messenger.editOriginal(job, p, f, k) });
      // A private job's reply is ephemeral: out of the channel endpoint's reach, and nothing of it is posted where others see it.
      if (replyId !== null && !job.private) routes.push({ route: 'channel-edit', limit: DEFAULT_UPLOAD_LIMIT, mention: false, messageId: replyId, send: (p, f, k) => messenger.editChannelMessage(job.channelId, replyId, p, f, k) });
    } else {
      // The bot's own channel post or DM: editable by the channel endpoint, whatever became of the token.
      routes.push({ route: home.route, limit: DEFAULT_UPLOAD_LIMIT, mention: false, messageId: home.messageId, send: (p, f, k) => messenger.editChannelMessage(home.channelId, home.messageId, p, f, k) });
    }
    if (reach === 'anywhere') {
      if (!job.private) routes.push({ route: 'channel', limit: DEFAULT_UPLOAD_LIMIT, mention: true, messageId: null, send: (p, f) => messenger.sendChannel(job.channelId, p, f) });
      routes.push({ route: 'dm', limit: DEFAULT_UPLOAD_LIMIT, mention: false, messageId: null, send: (p, f) => messenger.sendDm(job.userId, p, f) });
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
