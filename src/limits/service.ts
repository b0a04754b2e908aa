import type { ServerCaps } from '../validation';
import type { Reservation } from './reservation';
import { resolveLimits, type Effective, type LimitValues, type Refusal } from './policy';
import type { LimitSettings, UsageLedger } from './usage';

export interface Requester {
  guildId: string | null;
  userId: string;
}

export type Reserve = { ok: true; usage: Reservation } | { ok: false; refusal: Refusal };
/** One reservation per take, in the order of the job ids. */
export type ReserveTakes = { ok: true; usage: Reservation[] } | { ok: false; refusal: Refusal };

/** What a job holds: its id and the quota reserved for it (none for jobs made before limits existed). */
export interface Held {
  id: string;
  usage: Reservation | null;
}

/**
 * Limits as the commands and the job lifecycle need them: the effective policy of a member, the server's
 * caps, reserving quota before a submit and settling it when the job ends (the job engine's QuotaSettler
 * port, met by shape: limits/ knows nothing of job records).
 */
export class LimitsService {
  constructor(
    readonly bot: LimitValues,
    readonly settings: LimitSettings,
    readonly ledger: UsageLedger,
  ) {}

  /** A member's usage today in a scope (guild, or DMs). */
  usage(guildId: string | null, userId: string) {
    return this.ledger.get(this.scopeOf(guildId), userId);
  }

  /** The usage record's scope: the guild, or one 'dm' record per user for DMs and user-installed use. */
  private scopeOf(guildId: string | null): string {
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
    return r.ok ? { ok: true, usage: r.reservation } : { ok: false, refusal: r.refusal };
  }

  /** Quota for every take of one request (`variations`), all at once or none (UsageLedger.reserveTakes). */
  async reserveTakes(who: Requester, jobIds: readonly string[], seconds: number): Promise<ReserveTakes> {
    const eff = await this.effective(who.guildId, who.userId);
    const r = await this.ledger.reserveTakes(this.scopeOf(who.guildId), who.userId, eff.values, jobIds, seconds);
    return r.ok ? { ok: true, usage: r.reservations } : { ok: false, refusal: r.refusal };
  }

  /** A moderator's reset: the member's own limits cleared, today's usage and cooldown started over. */
  async resetMember(guildId: string, userId: string): Promise<void> {
    await this.settings.clearMember(guildId, userId);
    await this.ledger.reset(this.scopeOf(guildId), userId);
  }

  async commit(job: Held): Promise<void> {
    if (job.usage) await this.ledger.commit(job.usage, job.id);
  }

  async release(job: Held): Promise<void> {
    if (job.usage) await this.ledger.release(job.usage, job.id);
  }
}
