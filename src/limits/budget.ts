import { z } from 'zod';
import type { KV } from '../store/kv';
import { atomicUpdater, type AtomicUpdate, type Change } from '../store/atomic';
import { nextUtcMidnight, nextUtcMonth, utcDay, utcMonth, type Budget, type Refusal } from './policy';
import type { ServerReservation } from './reservation';

/*
 * The server's side of a job: video seconds spent today and this month (the budget) and the jobs running in the
 * whole server (server_concurrent). One record per guild, every change one atomic update in the store
 * (src/store/atomic.ts), with the member ledger's rules of giving back (./usage.ts): only a reservation still
 * `open` gives its seconds back, once; a day's seconds only on that day, a month's only in that month.
 * Recorded whether or not a budget is set, so a budget set at noon counts the morning's videos.
 */

/** A month and a few days: the record outlives its month so a job settled after midnight on the 1st finds it. */
export const BUDGET_TTL_MS = 40 * 24 * 3600 * 1000;

const budgetRecordSchema = z.object({
  v: z.literal(1),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  daySeconds: z.number().int().min(0),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  monthSeconds: z.number().int().min(0),
  /** Jobs of this server not final yet. */
  active: z.array(z.string()),
  /** Jobs reserved this month and not yet committed or released. */
  open: z.array(z.string()),
});
type BudgetRecord = z.infer<typeof budgetRecordSchema>;

export interface ServerUsage {
  day: string;
  daySeconds: number;
  month: string;
  monthSeconds: number;
  active: string[];
}

export interface ServerLimits {
  budget: Budget;
  serverConcurrent?: number | undefined;
}

export type BudgetReserveResult = { ok: true; reservation: ServerReservation; noSlot?: true } | { ok: false; refusal: Refusal };
export type BudgetReserveTakesResult = { ok: true; reservations: ServerReservation[]; noSlot?: true } | { ok: false; refusal: Refusal };

/** Whether a reservation takes a concurrency slot: see BudgetLedger.reserve. */
export type SlotMode = 'take' | 'try' | 'none';

export interface BudgetLedgerOptions {
  now?: () => number;
  /** As UsageLedgerOptions.isJobActive: lets a crashed job's id stop holding a server-wide slot. */
  isJobActive?: (jobId: string) => Promise<boolean>;
}

export class BudgetLedger {
  private readonly update: AtomicUpdate;
  private readonly now: () => number;
  private readonly isJobActive: ((jobId: string) => Promise<boolean>) | undefined;

  constructor(
    private readonly kv: KV,
    opts: BudgetLedgerOptions = {},
  ) {
    this.update = atomicUpdater(kv);
    this.now = opts.now ?? Date.now;
    this.isJobActive = opts.isJobActive;
  }

  budgetKey(guildId: string): string {
    return `budget:${guildId}`;
  }

  async get(guildId: string): Promise<ServerUsage> {
    return view(asOf(await this.kv.get(this.budgetKey(guildId)), this.now()));
  }

  /**
   * `slot`: 'take' refuses when the server's concurrency is full; 'try' reserves the seconds either way and
   * takes a slot only if one is free (`noSlot` in the result when none was); 'none' takes none (the job waits: src/jobs/queue.ts).
   */
  async reserve(guildId: string, limits: ServerLimits, jobId: string, seconds: number, slot: SlotMode = 'take'): Promise<BudgetReserveResult> {
    const r = await this.reserveTakes(guildId, limits, [jobId], seconds, slot);
    return r.ok ? { ok: true, reservation: r.reservations[0]!, ...(r.noSlot ? { noSlot: true as const } : {}) } : r;
  }

  /**
   * The server's share of several takes of one request (`variations`), each `seconds` long: all in one update,
   * or none. With `slot` 'try', the takes get slots only when all of them fit.
   */
  async reserveTakes(guildId: string, limits: ServerLimits, jobIds: readonly string[], seconds: number, slot: SlotMode = 'take'): Promise<BudgetReserveTakesResult> {
    const key = this.budgetKey(guildId);
    return this.update(key, async (stored): Promise<Change<BudgetReserveTakesResult>> => {
      const now = this.now();
      const rec = asOf(stored, now);
      for (const jobId of jobIds) {
        if (rec.active.includes(jobId) || rec.open.includes(jobId)) throw new Error(`job ${jobId} already holds a reservation in ${key}`);
      }

      const pruned = slot !== 'none' && (await this.pruneIfFull(rec, limits.serverConcurrent, jobIds.length));
      const refusal = checkServer(limits, rec, seconds, now, jobIds.length, slot === 'take');
      if (refusal) return pruned ? { result: { ok: false, refusal }, next: checked(rec) } : { result: { ok: false, refusal } };

      const max = limits.serverConcurrent;
      const taken = slot !== 'none' && (max === undefined || rec.active.length + jobIds.length <= max);
      rec.daySeconds += seconds * jobIds.length;
      rec.monthSeconds += seconds * jobIds.length;
      if (taken) rec.active.push(...jobIds);
      rec.open.push(...jobIds);
      const reservations = jobIds.map(() => ({ key, day: rec.day, month: rec.month, seconds }));
      return { result: { ok: true, reservations, ...(taken ? {} : { noSlot: true as const }) }, next: checked(rec) };
    }, BUDGET_TTL_MS);
  }

  /** A waiting job's slot, taken in the store if one is free (true) or already its own; false: all are taken. */
  async takeSlot(reservation: ServerReservation, max: number | undefined, jobId: string): Promise<boolean> {
    return this.update(reservation.key, async (stored): Promise<Change<boolean>> => {
      const rec = asOf(stored, this.now());
      if (rec.active.includes(jobId)) return { result: true };
      const pruned = await this.pruneIfFull(rec, max);
      if (max !== undefined && rec.active.length >= max) return pruned ? { result: false, next: checked(rec) } : { result: false };
      rec.active.push(jobId);
      return { result: true, next: checked(rec) };
    }, BUDGET_TTL_MS);
  }

  /** Gives back a slot taken for a job that cannot start yet (the member's own slots are full); its seconds stay. */
  async dropSlot(reservation: ServerReservation, jobId: string): Promise<void> {
    await this.update(reservation.key, async (stored) => {
      const rec = asOf(stored, this.now());
      if (!rec.active.includes(jobId)) return { result: undefined };
      rec.active = rec.active.filter((id) => id !== jobId);
      return { result: undefined, next: checked(rec) };
    }, BUDGET_TTL_MS);
  }

  /** Drops the ids of jobs that no longer run when they would fill the slots; true when any was dropped. */
  private async pruneIfFull(rec: BudgetRecord, max: number | undefined, wanted = 1): Promise<boolean> {
    if (max === undefined || rec.active.length + wanted <= max) return false;
    const alive = await this.pruneStale(rec.active);
    const pruned = alive.length !== rec.active.length;
    rec.active = alive;
    return pruned;
  }

  /** The job made a video, or was cancelled after the provider accepted it: the seconds stay spent. */
  async commit(reservation: ServerReservation, jobId: string): Promise<void> {
    await this.settle(reservation, jobId, false);
  }

  /** The job ended without a video before acceptance, or its task failed: its seconds come back. */
  async release(reservation: ServerReservation, jobId: string): Promise<void> {
    await this.settle(reservation, jobId, true);
  }

  private async settle(reservation: ServerReservation, jobId: string, giveBack: boolean): Promise<void> {
    await this.update(reservation.key, async (stored) => {
      if (stored === undefined) return { result: undefined };
      const rec = asOf(stored, this.now());
      const wasActive = rec.active.includes(jobId);
      const wasOpen = rec.open.includes(jobId);
      if (!wasActive && !wasOpen) return { result: undefined };
      rec.active = rec.active.filter((id) => id !== jobId);
      rec.open = rec.open.filter((id) => id !== jobId);
      if (giveBack && wasOpen) {
        // `open` holds ids of rec.month only (asOf); the day's count started over at midnight.
        if (reservation.month === rec.month) rec.monthSeconds = Math.max(0, rec.monthSeconds - reservation.seconds);
        if (reservation.day === rec.day) rec.daySeconds = Math.max(0, rec.daySeconds - reservation.seconds);
      }
      return { result: undefined, next: checked(rec) };
    }, BUDGET_TTL_MS);
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
 * Whether `takes` more videos of `seconds` each fit, the month checked before the day: a month spent is the wait
 * that matters. Server concurrency last: it frees within minutes.
 */
/** `takes`: how many takes of `seconds` each; `slot`: whether the server's concurrency must have room for them. */
export function checkServer(
  limits: ServerLimits,
  usage: Pick<ServerUsage, 'daySeconds' | 'monthSeconds' | 'active'>,
  seconds: number,
  now: number,
  takes = 1,
  slot = true,
): Refusal | undefined {
  const { monthlySeconds, dailySeconds } = limits.budget;
  const many = takes > 1 ? { takes } : {};
  const total = seconds * takes;
  if (monthlySeconds !== undefined) {
    const left = Math.max(0, monthlySeconds - usage.monthSeconds);
    if (total > left) return { code: 'budget_monthly', limit: 'budgetMonthly', seconds: total, max: monthlySeconds, left, resetAt: nextUtcMonth(now), ...many };
  }
  if (dailySeconds !== undefined) {
    const left = Math.max(0, dailySeconds - usage.daySeconds);
    if (total > left) return { code: 'budget_daily', limit: 'budgetDaily', seconds: total, max: dailySeconds, left, resetAt: nextUtcMidnight(now), ...many };
  }
  const max = limits.serverConcurrent;
  if (slot && max !== undefined && usage.active.length + takes > max) return { code: 'server_concurrent_full', limit: 'serverConcurrent', active: usage.active.length, max, ...many };
  return undefined;
}

/**
 * The stored record as of now: a new day starts the day's count over, a new month both counts and `open`.
 * A record that fails its schema reads as empty, as a usage record does (./usage.ts): it only ever limits.
 */
function asOf(raw: unknown, now: number): BudgetRecord {
  const day = utcDay(now);
  const month = utcMonth(now);
  const parsed = budgetRecordSchema.safeParse(raw);
  if (!parsed.success) return { v: 1, day, daySeconds: 0, month, monthSeconds: 0, active: [], open: [] };
  const rec = { ...parsed.data };
  if (rec.month !== month) Object.assign(rec, { month, monthSeconds: 0, open: [] });
  if (rec.day !== day) Object.assign(rec, { day, daySeconds: 0 });
  return rec;
}

function checked(rec: BudgetRecord): BudgetRecord {
  return budgetRecordSchema.parse(rec);
}

function view(rec: BudgetRecord): ServerUsage {
  return { day: rec.day, daySeconds: rec.daySeconds, month: rec.month, monthSeconds: rec.monthSeconds, active: [...rec.active] };
}
