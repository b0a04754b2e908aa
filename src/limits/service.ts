import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';
import type { Job } from '../jobs/record';
import type { QuotaSettler } from '../jobs/service';
import type { ServerCaps } from '../validation';
import { resolveLimits, type Effective, type LimitValues } from './policy';
import type { LimitSettings, UsageLedger } from './usage';

export interface Requester {
  guildId: string | null;
  userId: string;
}

export type Reserve = { ok: true; usage: NonNullable<Job['usage']> } | { ok: false; message: string };

/** Who may moderate: Manage Server, checked at run time as well (command visibility can be changed by admins). */
export function isModerator(perms: Readonly<PermissionsBitField> | null | undefined): boolean {
  return perms?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

/**
 * Limits as the commands and the job lifecycle need them: the effective policy of a member, the server's
 * caps, reserving quota before a submit and settling it when the job ends.
 */
export class LimitsService implements QuotaSettler {
  constructor(
    readonly bot: LimitValues,
    readonly settings: LimitSettings,
    readonly ledger: UsageLedger,
  ) {}

  /** A member's usage today in a scope (guild, or DMs). */
  usage(guildId: string | null, userId: string) {
    return this.ledger.get(this.scopeOf(guildId), userId);
  }

  /** DMs and user-installed contexts outside a guild use the bot default, per user. */
  scopeOf(guildId: string | null): string {
    return guildId ?? 'dm';
  }

  async effective(guildId: string | null, userId: string): Promise<Effective> {
    if (!guildId) return resolveLimits(this.bot, undefined, undefined);
    const [server, member] = await Promise.all([this.settings.getServer(guildId), this.settings.getMember(guildId, userId)]);
    return resolveLimits(this.bot, server?.defaults, member);
  }

  /** The server's own defaults over the bot's, without any member's override. */
  async serverEffective(guildId: string): Promise<Effective> {
    return resolveLimits(this.bot, (await this.settings.getServer(guildId))?.defaults, undefined);
  }

  async caps(guildId: string | null): Promise<ServerCaps> {
    if (!guildId) return {};
    return (await this.settings.getServer(guildId))?.caps ?? {};
  }

  async reserve(who: Requester, jobId: string, seconds: number): Promise<Reserve> {
    const eff = await this.effective(who.guildId, who.userId);
    const r = await this.ledger.reserve(this.scopeOf(who.guildId), who.userId, eff.values, jobId, seconds);
    return r.ok ? { ok: true, usage: r.reservation } : { ok: false, message: r.refusal.message };
  }

  async commit(job: Job): Promise<void> {
    if (job.usage) await this.ledger.commit(job.usage, job.id);
  }

  async release(job: Job): Promise<void> {
    if (job.usage) await this.ledger.release(job.usage, job.id);
  }
}
