import { z } from 'zod';
import { serverCapsSchema } from '../validation/caps';

/**
 * Limit policy: which limits apply to a member (member override > the most generous of their roles' limits >
 * server default > bot default, per limit), where /video may run, and whether one more video fits in today's
 * usage. Pure, so the rules are testable without a store and the same function answers both `/video` and the
 * `/video-usage` / `/video-limits show` views.
 */

export interface LimitValues {
  dailyVideos: number;
  dailySeconds: number;
  concurrent: number;
  /** seconds between two submissions of one member */
  cooldown: number;
}
export type LimitName = keyof LimitValues;
export type LimitSource = 'bot default' | 'server default' | 'role' | 'member override';

export interface PartialLimits {
  dailyVideos?: number;
  dailySeconds?: number;
  concurrent?: number;
  cooldown?: number;
}


export interface Effective {
  values: LimitValues;
  sources: Record<LimitName, LimitSource>;
  /** The role each limit with source 'role' comes from. */
  roles: Partial<Record<LimitName, string>>;
}

/** One role's limits, as set with `/video-limits role`. */
export interface RoleLimits {
  roleId: string;
  limits: PartialLimits;
}

export const LIMIT_NAMES = ['dailyVideos', 'dailySeconds', 'concurrent', 'cooldown'] as const satisfies readonly LimitName[];

/**
 * Accepted range of each limit, shared by the stored-record schemas and (for the command options) the slash
 * command, so a value a moderator can type is always a value that can be stored. The upper bounds match the
 * env config's; 0 is allowed everywhere because a 0 override is how a member is blocked.
 */
export const LIMIT_BOUNDS: Record<LimitName, { min: number; max: number }> = {
  dailyVideos: { min: 0, max: 100_000 },
  dailySeconds: { min: 0, max: 10_000_000 },
  concurrent: { min: 0, max: 1000 },
  cooldown: { min: 0, max: 86_400 },
};

const limit = (name: LimitName) => z.number().int().min(LIMIT_BOUNDS[name].min).max(LIMIT_BOUNDS[name].max);

export const partialLimitsSchema = z.object({
  dailyVideos: limit('dailyVideos').optional(),
  dailySeconds: limit('dailySeconds').optional(),
  concurrent: limit('concurrent').optional(),
  cooldown: limit('cooldown').optional(),
});

const snowflake = z.string().regex(/^\d{15,21}$/);

/** Server video seconds per UTC day and per UTC calendar month; absent: no budget. */
export const BUDGET_BOUNDS = { dailySeconds: { min: 0, max: 10_000_000 }, monthlySeconds: { min: 0, max: 300_000_000 } } as const;
export const SERVER_CONCURRENT_BOUNDS = { min: 0, max: 10_000 } as const;

export const budgetSchema = z.object({
  dailySeconds: z.number().int().min(1).max(BUDGET_BOUNDS.dailySeconds.max).optional(),
  monthlySeconds: z.number().int().min(1).max(BUDGET_BOUNDS.monthlySeconds.max).optional(),
});
export type Budget = z.infer<typeof budgetSchema>;

/**
 * A post to the audit channel that Discord refused for a missing permission (or a channel gone): posting stops
 * until a moderator sets the channel again, and the first moderator to use /video-limits afterwards is told
 * once (`reported`).
 */
export const auditFailureSchema = z.object({ channelId: snowflake, status: z.number().int(), code: z.number().int().nullable(), at: z.number(), reported: z.boolean() });
export type AuditFailure = z.infer<typeof auditFailureSchema>;

export const approvalSchema = z.object({
  aboveSeconds: z.number().int().min(1).max(3600).optional(),
  atResolution: z.literal('1080p').optional(),
  channelId: snowflake,
});
export type ApprovalSettings = z.infer<typeof approvalSchema>;

/** Why a request needs a moderator's approval (the numbers that word it), or undefined when it does not. */
export type ApprovalReason = { seconds: number; aboveSeconds: number | undefined; resolution: string; atResolution: string | undefined };

/** Over either threshold of the server's approval settings (docs/commands.md, approval). */
export function needsApproval(approval: ApprovalSettings | undefined, request: { duration: number; resolution: string }): ApprovalReason | undefined {
  if (!approval) return undefined;
  const longer = approval.aboveSeconds !== undefined && request.duration > approval.aboveSeconds;
  const sharper = approval.atResolution !== undefined && request.resolution === approval.atResolution;
  return longer || sharper ? { seconds: request.duration, aboveSeconds: approval.aboveSeconds, resolution: request.resolution, atResolution: approval.atResolution } : undefined;
}

const serverSettingsV1 = z.object({
  v: z.literal(1),
  defaults: partialLimitsSchema,
  caps: serverCapsSchema,
});

/**
 * Version 2 adds per-role limits, the channels /video may run in, the budget, the server-wide concurrency and
 * the audit channel. A version 1 record reads as version 2 with none of those set.
 */
export const serverSettingsV2 = serverSettingsV1.extend({
  v: z.literal(2),
  /** At most Discord's 250 roles of a server. */
  roles: z.record(snowflake, partialLimitsSchema).refine((r) => Object.keys(r).length <= 250, 'at most 250 roles'),
  /** channel id -> whether /video may run there (channelAllowed). */
  channels: z.record(snowflake, z.boolean()).refine((c) => Object.keys(c).length <= 500, 'at most 500 channels'),
  budget: budgetSchema,
  serverConcurrent: z.number().int().min(1).max(SERVER_CONCURRENT_BOUNDS.max).optional(),
  audit: z.object({ channelId: snowflake, failure: auditFailureSchema.optional() }).optional(),
  /** /video-limits approval: requests over either threshold wait for a moderator in `channelId` (needsApproval). */
  approval: approvalSchema.optional(),
});

export const serverSettingsSchema = z.union([
  serverSettingsV2,
  serverSettingsV1.transform((v1): z.infer<typeof serverSettingsV2> => ({ ...v1, v: 2, roles: {}, channels: {}, budget: {} })),
]);

export type ServerSettings = z.infer<typeof serverSettingsV2>;

export function emptyServerSettings(): ServerSettings {
  return { v: 2, defaults: {}, caps: {}, roles: {}, channels: {}, budget: {} };
}

export const memberOverrideSchema = z.object({
  v: z.literal(1),
  limits: partialLimitsSchema,
});
export type MemberOverride = z.infer<typeof memberOverrideSchema>;

/** Whether `a` gives a member more than `b`: a shorter cooldown, more of anything else. */
function moreGenerous(name: LimitName, a: number, b: number): boolean {
  return name === 'cooldown' ? a < b : a > b;
}

/**
 * Per limit: the member's override, else the most generous value any of their roles sets (the first such role
 * in `roles` on a tie), else the server default, else the bot default. A role that blocks (`daily_videos:0`)
 * is outweighed by any other role that allows; a member is blocked with their own override.
 */
export function resolveLimits(bot: LimitValues, server: PartialLimits | undefined, member: PartialLimits | undefined, roles: readonly RoleLimits[] = []): Effective {
  const values = { ...bot };
  const sources = {} as Record<LimitName, LimitSource>;
  const roleOf: Partial<Record<LimitName, string>> = {};
  for (const name of LIMIT_NAMES) {
    const m = member?.[name];
    const s = server?.[name];
    let best: { roleId: string; value: number } | undefined;
    for (const r of roles) {
      const v = r.limits[name];
      if (v !== undefined && (!best || moreGenerous(name, v, best.value))) best = { roleId: r.roleId, value: v };
    }
    if (m !== undefined) {
      values[name] = m;
      sources[name] = 'member override';
    } else if (best) {
      values[name] = best.value;
      sources[name] = 'role';
      roleOf[name] = best.roleId;
    } else if (s !== undefined) {
      values[name] = s;
      sources[name] = 'server default';
    } else {
      sources[name] = 'bot default';
    }
  }
  return { values, sources, roles: roleOf };
}

/** The limits of those of `roleIds` that have any, in the order given. */
export function limitsOfRoles(settings: Pick<ServerSettings, 'roles'> | undefined, roleIds: readonly string[]): RoleLimits[] {
  const set = settings?.roles ?? {};
  return roleIds.flatMap((roleId) => (set[roleId] ? [{ roleId, limits: set[roleId] }] : []));
}

/**
 * Whether /video may run in a channel. With any channel allowed, only allowed channels are; with only some
 * refused, every channel but those; with none set, everywhere. A thread follows its own entry, else its parent's.
 */
export function channelAllowed(channels: Record<string, boolean>, channelId: string | null, parentId: string | null = null): boolean {
  const entries = Object.values(channels);
  if (entries.length === 0) return true;
  const own = channelId !== null ? channels[channelId] : undefined;
  const rule = own ?? (parentId !== null ? channels[parentId] : undefined);
  return entries.includes(true) ? rule === true : rule !== false;
}

/** The channels /video is allowed in by name, for a refusal to list (empty when the rule is "all but some"). */
export function allowedChannels(channels: Record<string, boolean>): string[] {
  return Object.entries(channels).filter(([, ok]) => ok).map(([id]) => id);
}

export function checkChannel(channels: Record<string, boolean>, channelId: string | null, parentId: string | null): ChannelRefusal | undefined {
  return channelAllowed(channels, channelId, parentId) ? undefined : { code: 'channel_not_allowed', limit: 'channel', allowed: allowedChannels(channels) };
}

export interface UsageSnapshot {
  /** 'YYYY-MM-DD', UTC */
  day: string;
  videos: number;
  seconds: number;
  /** ids of this member's jobs in this scope that are not final yet */
  active: string[];
  /** ms since epoch */
  lastSubmitAt: number | null;
}

/**
 * A request of several takes (`variations`): how many, present only when more than one. `seconds` then counts
 * all of them together.
 */
type Takes = { takes?: number };

/**
 * Why one more video does not fit, as data: which limit, and the numbers that word it (src/discord/messages/).
 * Times are ms since epoch. `place` says where the member is blocked: DMs have no server to name.
 */
export type Refusal =
  | { code: 'blocked'; limit: 'dailyVideos' | 'dailySeconds' | 'concurrent'; place: 'server' | 'dm' }
  | { code: 'daily_videos_used'; limit: 'dailyVideos'; used: number; max: number; resetAt: number }
  | { code: 'daily_videos_left'; limit: 'dailyVideos'; takes: number; left: number; max: number; resetAt: number }
  | ({ code: 'longer_than_daily'; limit: 'dailySeconds'; seconds: number; max: number } & Takes)
  | ({ code: 'daily_seconds_left'; limit: 'dailySeconds'; seconds: number; max: number; left: number; resetAt: number } & Takes)
  | ({ code: 'concurrent_full'; limit: 'concurrent'; active: number; max: number } & Takes)
  | { code: 'cooldown'; limit: 'cooldown'; wait: number; cooldown: number }
  | BudgetRefusal
  | ({ code: 'server_concurrent_full'; limit: 'serverConcurrent'; active: number; max: number } & Takes)
  | TakesApprovalRefusal
  | ChannelRefusal;

/**
 * A request with `variations` over the server's approval threshold: takes are not held for an approval (only a
 * single video waits for one, docs/commands.md, approval), so it is refused and one video can be asked for.
 */
export type TakesApprovalRefusal = { code: 'takes_need_approval'; limit: 'approval'; takes: number };

/** /video in a channel where the server does not allow it; `allowed`: where it works, when that is a list. */
export type ChannelRefusal = { code: 'channel_not_allowed'; limit: 'channel'; allowed: string[] };

/** The server's budget is spent for today or this month (src/limits/budget.ts): the numbers that word it. */
export type BudgetRefusal =
  | ({ code: 'budget_daily'; limit: 'budgetDaily'; seconds: number; max: number; left: number; resetAt: number } & Takes)
  | ({ code: 'budget_monthly'; limit: 'budgetMonthly'; seconds: number; max: number; left: number; resetAt: number } & Takes);

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function utcMonth(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

export function nextUtcMonth(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/**
 * Whether `takes` more videos of `requestSeconds` each fit (a request with `variations` is that many videos,
 * docs/commands.md). Limits are checked from the one that lasts longest to the one that lasts shortest, so the
 * member is told about the wait that actually matters: a cooldown that ends in ten seconds is no news to
 * someone whose day is used up.
 */
/**
 * `takes`: how many videos of `requestSeconds` each. `slot: false` leaves out the concurrency check: a request
 * that may wait in line for a slot (src/jobs/queue.ts) is checked for everything else.
 */
export function checkLimits(
  eff: LimitValues,
  usage: UsageSnapshot,
  requestSeconds: number,
  now: number,
  place: 'server' | 'dm' = 'server',
  takes = 1,
  slot = true,
): Refusal | undefined {
  const resetAt = nextUtcMidnight(now);
  const many = takes > 1 ? { takes } : {};
  const seconds = requestSeconds * takes;

  // A zero in any limit that no waiting can lift means "not allowed": saying "wait until midnight" would lie.
  if (eff.dailyVideos <= 0) return { code: 'blocked', limit: 'dailyVideos', place };
  if (eff.dailySeconds <= 0) return { code: 'blocked', limit: 'dailySeconds', place };
  if (eff.concurrent <= 0) return { code: 'blocked', limit: 'concurrent', place };

  // The usage can exceed the limit when a moderator lowered it during the day.
  if (usage.videos >= eff.dailyVideos) return { code: 'daily_videos_used', limit: 'dailyVideos', used: usage.videos, max: eff.dailyVideos, resetAt };
  if (usage.videos + takes > eff.dailyVideos) {
    return { code: 'daily_videos_left', limit: 'dailyVideos', takes, left: eff.dailyVideos - usage.videos, max: eff.dailyVideos, resetAt };
  }

  // No reset helps here; the member has to ask for less.
  if (seconds > eff.dailySeconds) return { code: 'longer_than_daily', limit: 'dailySeconds', seconds, max: eff.dailySeconds, ...many };
  const left = Math.max(0, eff.dailySeconds - usage.seconds);
  if (seconds > left) return { code: 'daily_seconds_left', limit: 'dailySeconds', seconds, max: eff.dailySeconds, left, resetAt, ...many };

  if (slot && usage.active.length + takes > eff.concurrent) return { code: 'concurrent_full', limit: 'concurrent', active: usage.active.length, max: eff.concurrent, ...many };

  if (usage.lastSubmitAt !== null && eff.cooldown > 0) {
    const cooldownMs = eff.cooldown * 1000;
    const elapsed = now - usage.lastSubmitAt;
    if (elapsed < cooldownMs) {
      // Capped: a lastSubmitAt from a machine whose clock runs ahead must not stretch the wait past the cooldown.
      const wait = Math.min(eff.cooldown, Math.ceil((cooldownMs - elapsed) / 1000));
      return { code: 'cooldown', limit: 'cooldown', wait, cooldown: eff.cooldown };
    }
  }
  return undefined;
}
