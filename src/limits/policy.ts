import { z } from 'zod';
import { serverCapsSchema } from '../validation/caps';

/**
 * Limit policy: which limits apply to a member (member override > server default > bot default, per limit)
 * and whether one more video fits in today's usage. Pure, so the rules are testable without a store and the
 * same function answers both `/video` and the `/video-usage` / `/video-limits show` views.
 */

export interface LimitValues {
  dailyVideos: number;
  dailySeconds: number;
  concurrent: number;
  /** seconds between two submissions of one member */
  cooldown: number;
}
export type LimitName = keyof LimitValues;
export type LimitSource = 'bot default' | 'server default' | 'member override';

export interface PartialLimits {
  dailyVideos?: number;
  dailySeconds?: number;
  concurrent?: number;
  cooldown?: number;
}


export interface Effective {
  values: LimitValues;
  sources: Record<LimitName, LimitSource>;
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

export const serverSettingsSchema = z.object({
  v: z.literal(1),
  defaults: partialLimitsSchema,
  caps: serverCapsSchema,
});

export type ServerSettings = z.infer<typeof serverSettingsSchema>;

export const memberOverrideSchema = z.object({
  v: z.literal(1),
  limits: partialLimitsSchema,
});
export type MemberOverride = z.infer<typeof memberOverrideSchema>;

export function resolveLimits(bot: LimitValues, server: PartialLimits | undefined, member: PartialLimits | undefined): Effective {
  const values = { ...bot };
  const sources = {} as Record<LimitName, LimitSource>;
  for (const name of LIMIT_NAMES) {
    const m = member?.[name];
    const s = server?.[name];
    if (m !== undefined) {
      values[name] = m;
      sources[name] = 'member override';
    } else if (s !== undefined) {
      values[name] = s;
      sources[name] = 'server default';
    } else {
      sources[name] = 'bot default';
    }
  }
  return { values, sources };
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
  | { code: 'cooldown'; limit: 'cooldown'; wait: number; cooldown: number };

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
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
export function checkLimits(
  eff: LimitValues,
  usage: UsageSnapshot,
  requestSeconds: number,
  now: number,
  place: 'server' | 'dm' = 'server',
  takes = 1,
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

  if (usage.active.length + takes > eff.concurrent) return { code: 'concurrent_full', limit: 'concurrent', active: usage.active.length, max: eff.concurrent, ...many };

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
