import type { ServerCaps } from '../validation';
import type { Reservation } from './reservation';
import { emptyServerSettings, limitsOfRoles, resolveLimits, type Effective, type LimitValues, type PartialLimits, type Refusal, type ServerSettings } from './policy';
import type { UsageLedger } from './usage';
import type { LimitSettings } from './settings';
import type { BudgetLedger, ServerUsage, SlotMode } from './budget';

export interface Requester {
  guildId: string | null;
  userId: string;
  /** The member's roles in that guild (the interaction's member.roles); none outside a server. */
  roleIds: readonly string[];
}

/** `waits`: the job must wait for a slot (it holds none); `concurrent` is the member's limit it waits under. */
export type Reserve = { ok: true; usage: Reservation; waits?: { concurrent: number } } | { ok: false; refusal: Refusal };
/** One reservation per take, in the order of the job ids; `waits` as Reserve's, for all of them. */
export type ReserveTakes = { ok: true; usage: Reservation[]; waits?: { concurrent: number } } | { ok: false; refusal: Refusal };

/** A job waiting for its slots, as takeSlots needs it (the job engine's SlotTaker port, met by shape). */
export interface WaitingJob extends Held {
  guildId: string | null;
  wait?: { concurrent: number } | undefined;
}
export type SlotAnswer = 'taken' | 'member_full' | 'server_full';

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

  /** One job's quota: as reserveTakes, for one take. */
  async reserve(who: Requester, jobId: string, seconds: number, opts: { wait?: 'queue' | 'hold' } = {}): Promise<Reserve> {
    const r = await this.reserveTakes(who, [jobId], seconds, opts);
    return r.ok ? { ok: true, usage: r.usage[0]!, ...(r.waits ? { waits: r.waits } : {}) } : r;
  }

  /**
   * Quota for the takes of one request (`variations`, one take for a plain /video), each a video of `seconds`:
   * all of them or none, in one atomic update of each record (UsageLedger.reserveTakes, BudgetLedger.reserveTakes),
   * refused with the numbers for all of them together; one reservation per take, so each settles on its own.
   * The server's share first (budget, server-wide concurrency), then the member's: a member's refusal gives the
   * server's share straight back, while the other order would leave the member's cooldown started by a
   * request the server refused.
   *
   * `wait`: 'queue' lets a request that passes every check but finds a concurrency slot full wait for one
   * (`waits` in the answer: src/jobs/queue.ts); 'hold' takes no slot at all (it waits for an approval first).
   * Without it, a full slot is a refusal.
   */
  async reserveTakes(who: Requester, jobIds: readonly string[], seconds: number, opts: { wait?: 'queue' | 'hold' } = {}): Promise<ReserveTakes> {
    const scope = this.scopeOf(who.guildId);
    const mode: SlotMode = opts.wait === 'hold' ? 'none' : opts.wait === 'queue' ? 'try' : 'take';
    if (!who.guildId) {
      const r = await this.ledger.reserveTakes(scope, who.userId, this.bot, jobIds, seconds, mode);
      return r.ok ? { ok: true, usage: r.reservations, ...(r.noSlot ? { waits: { concurrent: this.bot.concurrent } } : {}) } : { ok: false, refusal: r.refusal };
    }
    const guildId = who.guildId;
    const [server, member] = await Promise.all([this.server(guildId), this.settings.getMember(guildId, who.userId)]);
    const shared = await this.budget.reserveTakes(guildId, { budget: server.budget, serverConcurrent: server.serverConcurrent }, jobIds, seconds, mode);
    if (!shared.ok) return { ok: false, refusal: shared.refusal };
    const giveBackShared = () => Promise.all(jobIds.map((id, i) => this.budget.release(shared.reservations[i]!, id)));
    const eff = resolveLimits(this.bot, server.defaults, member, limitsOfRoles(server, who.roleIds));
    let own: Awaited<ReturnType<UsageLedger['reserveTakes']>>;
    try {
      // Waiting for the server's slot, the job holds none of the member's: their other jobs may run meanwhile.
      own = await this.ledger.reserveTakes(scope, who.userId, eff.values, jobIds, seconds, shared.noSlot ? 'none' : mode);
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
    if (!shared.noSlot && own.noSlot) for (const [i, id] of jobIds.entries()) await this.budget.dropSlot(shared.reservations[i]!, id);
    const usage = own.reservations.map((r, i) => ({ ...r, server: shared.reservations[i]! }));
    return !own.noSlot && !shared.noSlot ? { ok: true, usage } : { ok: true, usage, waits: { concurrent: Math.max(1, eff.values.concurrent) } };
  }

  /**
   * A waiting job's slots, the server's then the member's, each taken atomically in the store (src/jobs/queue.ts).
   * The member's full gives the server's straight back, so a member's own line never holds up the server's.
   */
  async takeSlots(job: WaitingJob): Promise<SlotAnswer> {
    if (!job.usage) return 'taken';
    const server = job.usage.server;
    if (server && job.guildId) {
      const { serverConcurrent } = await this.server(job.guildId);
      if (!(await this.budget.takeSlot(server, serverConcurrent, job.id))) return 'server_full';
    }
    if (await this.ledger.takeSlot(job.usage, job.wait?.concurrent ?? this.bot.concurrent, job.id)) return 'taken';
    if (server) await this.budget.dropSlot(server, job.id);
    return 'member_full';
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
