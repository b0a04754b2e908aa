import type { ServerCaps } from '../validation';
import type { Reservation } from './reservation';
import { emptyServerSettings, limitsOfRoles, resolveLimits, type Effective, type LimitValues, type PartialLimits, type Refusal, type ServerSettings } from './policy';
import type { UsageLedger } from './usage';
import type { LimitSettings } from './settings';
import type { BudgetLedger, ServerUsage } from './budget';

export interface Requester {
  guildId: string | null;
  userId: string;
  /** The member's roles in that guild (the interaction's member.roles); none outside a server. */
  roleIds: readonly string[];
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
 * settings, reserving quota (the member's and the server's budget) before a submit and settling both when the
 * job ends (the job engine's QuotaSettler port, met by shape: limits/ knows nothing of job records).
 */
export class LimitsService {
  constructor(
    readonly bot: LimitValues,
    readonly settings: LimitSettings,
    readonly ledger: UsageLedger,
    readonly budget: BudgetLedger,
  ) {}

  /** A member's usage today in a scope (guild, or DMs). */
  usage(guildId: string | null, userId: string) {
    return this.ledger.get(this.scopeOf(guildId), userId);
  }

  /** The server's seconds today and this month, and its running jobs. */
  serverUsage(guildId: string): Promise<ServerUsage> {
    return this.budget.get(guildId);
  }

  /** The usage record's scope: the guild, or one 'dm' record per user for DMs and user-installed use. */
  private scopeOf(guildId: string | null): string {
    return guildId ?? 'dm';
  }

  /** The server's whole settings record, empty when none was ever saved. */
  async server(guildId: string): Promise<ServerSettings> {
    return (await this.settings.getServer(guildId)) ?? emptyServerSettings();
  }

  async effective(guildId: string | null, userId: string, roleIds: readonly string[] = []): Promise<Effective> {
    if (!guildId) return resolveLimits(this.bot, undefined, undefined);
    const [server, member] = await Promise.all([this.settings.getServer(guildId), this.settings.getMember(guildId, userId)]);
    return resolveLimits(this.bot, server?.defaults, member, limitsOfRoles(server, roleIds));
  }

  /** The server's own defaults over the bot's, without any member's override or role. */
  async serverEffective(guildId: string): Promise<Effective> {
    return resolveLimits(this.bot, (await this.settings.getServer(guildId))?.defaults, undefined);
  }

  async caps(guildId: string | null): Promise<ServerCaps> {
    if (!guildId) return {};
    return (await this.settings.getServer(guildId))?.caps ?? {};
  }

  async reserve(who: Requester, jobId: string, seconds: number): Promise<Reserve> {
    const r = await this.reserveTakes(who, [jobId], seconds);
    return r.ok ? { ok: true, usage: r.usage[0]! } : r;
  }

  /**
   * Quota for the takes of one request (`variations`, one take for a plain /video), each a video of `seconds`:
   * all of them or none, in one atomic update of each record (UsageLedger.reserveTakes, BudgetLedger.reserveTakes),
   * refused with the numbers for all of them together; one reservation per take, so each settles on its own.
   * The server's share first (budget, server-wide concurrency), then the member's: a member's refusal gives the
   * server's share straight back, while the other order would leave the member's cooldown started by a
   * request the server refused.
   */
  async reserveTakes(who: Requester, jobIds: readonly string[], seconds: number): Promise<ReserveTakes> {
    const scope = this.scopeOf(who.guildId);
    if (!who.guildId) {
      const r = await this.ledger.reserveTakes(scope, who.userId, this.bot, jobIds, seconds);
      return r.ok ? { ok: true, usage: r.reservations } : { ok: false, refusal: r.refusal };
    }
    const guildId = who.guildId;
    const [server, member] = await Promise.all([this.server(guildId), this.settings.getMember(guildId, who.userId)]);
    const shared = await this.budget.reserveTakes(guildId, { budget: server.budget, serverConcurrent: server.serverConcurrent }, jobIds, seconds);
    if (!shared.ok) return { ok: false, refusal: shared.refusal };
    const giveBackShared = () => Promise.all(jobIds.map((id, i) => this.budget.release(shared.reservations[i]!, id)));
    const eff = resolveLimits(this.bot, server.defaults, member, limitsOfRoles(server, who.roleIds));
    let own: Awaited<ReturnType<UsageLedger['reserveTakes']>>;
    try {
      own = await this.ledger.reserveTakes(scope, who.userId, eff.values, jobIds, seconds);
    } catch (err) {
      // The store failed on the member's share: the server's is given back before the error is told. If that
      // fails too, the seconds stay counted for the day and the slot until the job store says the job is not running.
      await giveBackShared().catch(() => undefined);
      throw err;
    }
    if (!own.ok) {
      await giveBackShared();
      return { ok: false, refusal: own.refusal };
    }
    const mine = own.reservations;
    return { ok: true, usage: mine.map((r, i) => ({ ...r, server: shared.reservations[i]! })) };
  }

  /** A moderator's reset: the member's own limits cleared (and returned), today's usage and cooldown started over. */
  async resetMember(guildId: string, userId: string): Promise<PartialLimits> {
    const cleared = await this.settings.clearMember(guildId, userId);
    await this.ledger.reset(this.scopeOf(guildId), userId);
    return cleared;
  }

  async commit(job: Held): Promise<void> {
    if (!job.usage) return;
    await this.ledger.commit(job.usage, job.id);
    if (job.usage.server) await this.budget.commit(job.usage.server, job.id);
  }

  async release(job: Held): Promise<void> {
    if (!job.usage) return;
    await this.ledger.release(job.usage, job.id);
    if (job.usage.server) await this.budget.release(job.usage.server, job.id);
  }
}
