import type { Logger } from '../log';
import type { AuditChange, AuditEntry, AuditPort } from '../limits/audit';
import type { LimitSettings } from '../limits/settings';
import type { MessagePayload } from './render';
import { DiscordCodes, discordErrorCode } from './messenger';
import { en, messagesFor, type Messages } from './messages';

/**
 * The moderators' audit channel (/video-limits audit): posts go through the messenger's channel post, whose
 * body allows no mentions (./outgoing.ts), so naming a member or a role notifies no one. A post Discord refuses
 * for good (no access, no permission, channel gone) stops the posting until a moderator sets the channel again:
 * every later post would fail the same way, and repeated 403s count toward Discord's invalid-request limit
 * (docs/discord.md). Anything else (a 5xx, a timeout) loses that one post, logged.
 */

function wordChanges(changes: AuditChange[], m: Messages): string[] {
  return changes.map((c) =>
    m.audit.change({
      target: m.audit.target(c.target),
      setting: m.audit.setting[c.setting],
      before: m.audit.value({ setting: c.setting, value: c.before }),
      after: m.audit.value({ setting: c.setting, value: c.after }),
    }),
  );
}

export function renderAudit(entry: AuditEntry, m: Messages = en): MessagePayload {
  const text =
    entry.kind === 'limits_changed'
      ? m.audit.limitsChanged({ moderatorId: entry.moderatorId, changes: wordChanges(entry.changes, m) })
      : entry.kind === 'member_reset'
        ? m.audit.memberReset({ moderatorId: entry.moderatorId, userId: entry.userId, changes: wordChanges(entry.changes, m) })
        : entry.kind === 'approval'
          ? wordApproval(entry, m)
          : m.audit.budgetRefused(entry);
  return { text, rows: [] };
}

function wordApproval(entry: Extract<AuditEntry, { kind: 'approval' }>, m: Messages): string {
  const summary = `${entry.request.model} · ${m.job.duration({ seconds: entry.request.duration })} · ${entry.request.resolution}`;
  const v = { userId: entry.userId, jobId: entry.jobId, summary };
  return entry.decision === 'approved' ? m.approval.auditApproved({ ...v, moderatorId: entry.moderatorId ?? '' }) : m.approval.auditDenied({ ...v, moderatorId: entry.moderatorId });
}

/** Refusals that posting again cannot cure. */
function lastsUntilFixed(status: number | undefined, code: number | string | undefined): boolean {
  return status === 403 || code === DiscordCodes.MissingAccess || code === DiscordCodes.MissingPermissions || code === DiscordCodes.UnknownChannel;
}

/** Bounds the memory of posted budget refusals (about 100 bytes each). */
const MAX_REMEMBERED_REFUSALS = 10_000;

export interface AuditLogDeps {
  /** A channel message with the bot token (Messenger.sendChannel). */
  send: (channelId: string, payload: MessagePayload) => Promise<unknown>;
  settings: Pick<LimitSettings, 'getServer' | 'auditFailed' | 'takeAuditFailure'>;
  logger: Pick<Logger, 'warn'>;
  now: () => number;
}

/**
 * Best effort on both sides: the change or refusal it reports has already happened and been answered, so a
 * store or Discord error here is logged and never reaches the member or moderator in place of that answer.
 */
export class DiscordAuditLog implements AuditPort {
  /**
   * Budget refusals posted, by guild, member and budget, with the refusal's reset time: once a budget is spent,
   * a member's first refusal until it resets is news, their retries are noise. A guild's interactions reach
   * one shard (docs/architecture.md), so the process's own memory is the whole record; a restart may post one
   * more.
   */
  private readonly refusalsPosted = new Map<string, number>();

  constructor(private readonly deps: AuditLogDeps) {}

  async post(guildId: string, entry: AuditEntry, guildLocale?: string | null): Promise<void> {
    const { send, settings, logger, now } = this.deps;
    const once = entry.kind === 'budget_refused' ? { key: `${guildId}:${entry.userId}:${entry.refusal.code}`, resetAt: entry.refusal.resetAt } : undefined;
    if (once && this.refusalsPosted.get(once.key) === once.resetAt) return;
    let channelId: string | undefined;
    try {
      const audit = (await settings.getServer(guildId))?.audit;
      if (!audit || audit.failure) return;
      channelId = audit.channelId;
      // Moderators read the channel together: the server's language, not the member's who caused the post.
      await send(channelId, renderAudit(entry, messagesFor(guildLocale)));
      if (once) this.remember(once.key, once.resetAt);
    } catch (err) {
      const { status, code } = discordErrorCode(err);
      if (channelId === undefined || !lastsUntilFixed(status, code)) {
        logger.warn({ guildId, channelId, status, code, err: (err as Error).message }, 'audit post failed; this one is lost');
        return;
      }
      logger.warn({ guildId, channelId, status, code }, 'the audit channel refuses the bot; audit posts stop until a moderator sets the channel again');
      await settings
        .auditFailed(guildId, { channelId, status: status ?? 403, code: typeof code === 'number' ? code : null, at: now() }, false)
        .catch((e: unknown) => logger.warn({ guildId, err: (e as Error).message }, 'the audit channel failure could not be recorded; the next post tries again'));
    }
  }

  private remember(key: string, resetAt: number): void {
    if (this.refusalsPosted.size >= MAX_REMEMBERED_REFUSALS) {
      const now = this.deps.now();
      for (const [k, at] of this.refusalsPosted) if (at <= now) this.refusalsPosted.delete(k);
      // Still full of live entries: forget the oldest (one more post for that member at worst).
      if (this.refusalsPosted.size >= MAX_REMEMBERED_REFUSALS) this.refusalsPosted.delete(this.refusalsPosted.keys().next().value!);
    }
    this.refusalsPosted.set(key, resetAt);
  }

  async takeFailure(guildId: string) {
    try {
      return await this.deps.settings.takeAuditFailure(guildId);
    } catch (err) {
      this.deps.logger.warn({ guildId, err: (err as Error).message }, 'the audit channel state could not be read; a failure is told next time');
      return undefined;
    }
  }
}
