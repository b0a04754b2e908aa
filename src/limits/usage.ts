import { z } from 'zod';
import type { KV } from '../store/kv';
import type { Reservation } from './reservation';
import { atomicUpdater, type AtomicUpdate, type Change } from '../store/atomic';
import type { SlotMode } from './budget';
import {
  checkLimits,
  utcDay,
  type LimitValues,
  type Refusal,
  type UsageSnapshot,
} from './policy';

/*
 * A usage record is shared by every process on the store. A guild's interactions reach the one shard that owns
 * the guild, but the 'dm' scope (DMs, and user-installed use in servers without the bot, whose interactions
 * reach the shard of that server) is one record per user, reserved and settled from any shard. So every
 * read-modify-write of a record (reserve, commit, release, reset) is one atomic update in the store
 * (src/store/atomic.ts): a compare-and-set script on Redis, retried on conflict, so no layout of processes can
 * pass a limit twice; on SQLite and memory, which serve one process (start:sharded refuses SQLite), a lock in
 * the process.
 */

/** Long enough that yesterday's record (active ids, lastSubmitAt) is still there after midnight. */
export const USAGE_TTL_MS = 2 * 24 * 3600 * 1000;

const usageRecordSchema = z.object({
  v: z.literal(1),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  videos: z.number().int().min(0),
  seconds: z.number().int().min(0),
  active: z.array(z.string()),
  /**
   * Job ids reserved on `day` and not yet committed or released. Quota is given back only for an id listed
   * here, and settling removes it: so a second release, a release after commit, a release of a reservation
   * from an earlier day or from before a moderator reset all give back nothing.
   */
  open: z.array(z.string()),
  lastSubmitAt: z.number().nullable(),
});
type UsageRecord = z.infer<typeof usageRecordSchema>;


export type ReserveResult = { ok: true; reservation: Reservation; noSlot?: true } | { ok: false; refusal: Refusal };
export type ReserveTakesResult = { ok: true; reservations: Reservation[]; noSlot?: true } | { ok: false; refusal: Refusal };

export interface UsageLedgerOptions {
  now?: () => number;
  /**
   * Whether a job still runs. A crash between reserving and settling leaves its id in `active` forever, which
   * would hold one concurrency slot of that member until the record expires; asking the job store lets the
   * ledger drop such ids.
   */
  isJobActive?: (jobId: string) => Promise<boolean>;
}

export class UsageLedger {
  private readonly update: AtomicUpdate;
  private readonly now: () => number;
  private readonly isJobActive: ((jobId: string) => Promise<boolean>) | undefined;

  constructor(
    private readonly kv: KV,
    opts: UsageLedgerOptions = {},
  ) {
    this.update = atomicUpdater(kv);
    this.now = opts.now ?? Date.now;
    this.isJobActive = opts.isJobActive;
  }

  /** Not keyed by day: active jobs and the cooldown carry over midnight, only the counts start again. */
  usageKey(scope: string, userId: string): string {
    return `usage:${scope}:${userId}`;
  }

  async get(scope: string, userId: string): Promise<UsageSnapshot> {
    const rec = asOf(await this.kv.get(this.usageKey(scope, userId)), utcDay(this.now()));
    // Not written back: this is a read for display; reserve() persists the pruning.
    const active = await this.pruneStale(rec.active);
    return snapshot({ ...rec, active });
  }

  /** `slot`: as BudgetLedger.reserve's (./budget.ts): take a concurrency slot, try to, or take none. */
  async reserve(scope: string, userId: string, eff: LimitValues, jobId: string, seconds: number, slot: SlotMode = 'take'): Promise<ReserveResult> {
    const r = await this.reserveTakes(scope, userId, eff, [jobId], seconds, slot);
    return r.ok ? { ok: true, reservation: r.reservations[0]!, ...(r.noSlot ? { noSlot: true as const } : {}) } : r;
  }

  /**
   * Quota for several takes of one request (`variations`), each a video of `seconds`: all of them in one atomic
   * update, or none, refused with the numbers for all of them together. One reservation per take, in order, so
   * each take settles (commit or give back) on its own. With `slot` 'try', the takes get slots only when all fit.
   */
  async reserveTakes(scope: string, userId: string, eff: LimitValues, jobIds: readonly string[], seconds: number, slot: SlotMode = 'take'): Promise<ReserveTakesResult> {
    const key = this.usageKey(scope, userId);
    return this.update(key, async (stored): Promise<Change<ReserveTakesResult>> => {
      const now = this.now();
      const rec = asOf(stored, utcDay(now));
      for (const jobId of jobIds) {
        if (rec.active.includes(jobId) || rec.open.includes(jobId)) throw new Error(`job ${jobId} already holds a reservation in ${key}`);
      }

      const pruned = slot !== 'none' && (await this.pruneIfFull(rec, eff.concurrent, jobIds.length));
      const refusal = checkLimits(eff, snapshot(rec), seconds, now, scope === 'dm' ? 'dm' : 'server', jobIds.length, slot === 'take');
      if (refusal) return pruned ? { result: { ok: false, refusal }, next: checked(rec) } : { result: { ok: false, refusal } };

      const taken = slot !== 'none' && rec.active.length + jobIds.length <= eff.concurrent;
      rec.videos += jobIds.length;
      rec.seconds += seconds * jobIds.length;
      if (taken) rec.active.push(...jobIds);
      rec.open.push(...jobIds);
      rec.lastSubmitAt = now;
      return { result: { ok: true, reservations: jobIds.map(() => ({ key, day: rec.day, seconds })), ...(taken ? {} : { noSlot: true as const }) }, next: checked(rec) };
    }, USAGE_TTL_MS);
  }

  /** A waiting job's slot among the member's `max`, taken in the store if free (true) or already its own. */
  async takeSlot(reservation: Reservation, max: number, jobId: string): Promise<boolean> {
    return this.update(reservation.key, async (stored): Promise<Change<boolean>> => {
      const rec = asOf(stored, utcDay(this.now()));
      if (rec.active.includes(jobId)) return { result: true };
      const pruned = await this.pruneIfFull(rec, max);
      if (rec.active.length >= max) return pruned ? { result: false, next: checked(rec) } : { result: false };
      rec.active.push(jobId);
      return { result: true, next: checked(rec) };
    }, USAGE_TTL_MS);
  }

  /** Each check costs a store read per id, and a stale id only matters when it would fill the slots. */
  private async pruneIfFull(rec: UsageRecord, max: number, wanted = 1): Promise<boolean> {
    if (rec.active.length + wanted <= max) return false;
    const alive = await this.pruneStale(rec.active);
    const pruned = alive.length !== rec.active.length;
    rec.active = alive;
    return pruned;
  }

  /** The job finished successfully: it no longer runs, and what it used stays used. */
  async commit(reservation: Reservation, jobId: string): Promise<void> {
    await this.settle(reservation, jobId, false);
  }

  /** The job failed, was rejected, cancelled or never confirmed: it no longer runs and its quota comes back. */
  async release(reservation: Reservation, jobId: string): Promise<void> {
    await this.settle(reservation, jobId, true);
  }

  /**
   * A moderator's reset: today's counts and the cooldown start over. Running jobs stay in `active` (they do run,
   * and still hold their slots) but are no longer `open`, so their later release cannot push counts below the
   * reset.
   */
  async reset(scope: string, userId: string): Promise<void> {
    await this.update(this.usageKey(scope, userId), async (stored) => {
      const rec = asOf(stored, utcDay(this.now()), false);
      if (!rec) return { result: undefined };
      return { result: undefined, next: checked({ ...rec, videos: 0, seconds: 0, open: [], lastSubmitAt: null }) };
    }, USAGE_TTL_MS);
  }

  private async settle(reservation: Reservation, jobId: string, giveBack: boolean): Promise<void> {
    await this.update(reservation.key, async (stored) => {
      // Nothing stored: it expired (a job outliving the TTL) or was never written; there is nothing to settle.
      const rec = asOf(stored, utcDay(this.now()), false);
      if (!rec) return { result: undefined };
      const wasActive = rec.active.includes(jobId);
      const wasOpen = rec.open.includes(jobId);
      if (!wasActive && !wasOpen) return { result: undefined };
      rec.active = rec.active.filter((id) => id !== jobId);
      rec.open = rec.open.filter((id) => id !== jobId);
      // `open` only ever holds ids of rec.day, which asOf() made today: yesterday's quota is gone anyway.
      if (giveBack && wasOpen && reservation.day === rec.day) {
        rec.videos = Math.max(0, rec.videos - 1);
        rec.seconds = Math.max(0, rec.seconds - reservation.seconds);
      }
      return { result: undefined, next: checked(rec) };
    }, USAGE_TTL_MS);
  }

  private async pruneStale(ids: string[]): Promise<string[]> {
    const isJobActive = this.isJobActive;
    if (!isJobActive || ids.length === 0) return ids;
    // A lookup that fails keeps the id: over-counting a slot is recoverable, over-spending is not.
    const alive = await Promise.all(ids.map((id) => isJobActive(id).catch(() => true)));
    return ids.filter((_, i) => alive[i]);
  }
}

/**
 * The stored record as of `today`. A record of an earlier day keeps its running jobs and its last submission
 * (for the cooldown across midnight) but none of its counts. A record that fails its schema (a newer build's, or
 * damaged) reads as empty: usage only ever limits, expires within two days, and refusing the member until then
 * would punish them for our fault. With `orEmpty` false, a missing record reads as undefined.
 */
function asOf(raw: unknown, today: string): UsageRecord;
function asOf(raw: unknown, today: string, orEmpty: false): UsageRecord | undefined;
function asOf(raw: unknown, today: string, orEmpty = true): UsageRecord | undefined {
  if (raw === undefined && !orEmpty) return undefined;
  const parsed = usageRecordSchema.safeParse(raw);
  if (!parsed.success) return { v: 1, day: today, videos: 0, seconds: 0, active: [], open: [], lastSubmitAt: null };
  const rec = parsed.data;
  if (rec.day === today) return rec;
  return { ...rec, day: today, videos: 0, seconds: 0, open: [] };
}

/** What is written: checked, so a bug never stores a record the next read would take for empty. */
function checked(rec: UsageRecord): UsageRecord {
  return usageRecordSchema.parse(rec);
}

function snapshot(rec: UsageRecord): UsageSnapshot {
  return { day: rec.day, videos: rec.videos, seconds: rec.seconds, active: [...rec.active], lastSubmitAt: rec.lastSubmitAt };
}
