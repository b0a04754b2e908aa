import { z } from 'zod';
import { discordTime } from '../util/discord-time';
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

export interface Refusal {
  limit: LimitName;
  /** A whole sentence for the member: which limit, what is left, and when it stops applying. */
  message: string;
}

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Whether one more video of `requestSeconds` fits. Limits are checked from the one that lasts longest to the
 * one that lasts shortest, so the member is told about the wait that actually matters: a cooldown that ends in
 * ten seconds is no news to someone whose day is used up.
 * `place` only words the "blocked" sentence; DMs have no server to name.
 */
export function checkLimits(eff: LimitValues, usage: UsageSnapshot, requestSeconds: number, now: number, place: 'server' | 'dm' = 'server'): Refusal | undefined {
  const where = place === 'dm' ? 'in direct messages' : 'in this server';
  const resets = `It resets ${discordTime(nextUtcMidnight(now))}.`;

  // A zero in any limit that no waiting can lift means "not allowed": saying "wait until midnight" would lie.
  if (eff.dailyVideos <= 0) return { limit: 'dailyVideos', message: `You are not allowed to make videos ${where} (limit 0).` };
  if (eff.dailySeconds <= 0) return { limit: 'dailySeconds', message: `You are not allowed to make videos ${where} (daily seconds limit 0).` };
  if (eff.concurrent <= 0) return { limit: 'concurrent', message: `You are not allowed to make videos ${where} (concurrent limit 0).` };

  if (usage.videos >= eff.dailyVideos) {
    // The usage can exceed the limit when a moderator lowered it during the day.
    const used = usage.videos === eff.dailyVideos ? `your ${count(eff.dailyVideos, 'video')} for today` : `${count(usage.videos, 'video')} today`;
    return { limit: 'dailyVideos', message: `You have used ${used} (limit ${eff.dailyVideos}). ${resets}` };
  }

  if (requestSeconds > eff.dailySeconds) {
    // No reset helps here; the member has to ask for less.
    return {
      limit: 'dailySeconds',
      message: `A ${requestSeconds}-second video is longer than your daily ${count(eff.dailySeconds, 'second')}; choose a shorter duration.`,
    };
  }
  const secondsLeft = Math.max(0, eff.dailySeconds - usage.seconds);
  if (requestSeconds > secondsLeft) {
    return {
      limit: 'dailySeconds',
      message: `This ${requestSeconds}-second video would exceed your daily ${count(eff.dailySeconds, 'second')} (${secondsLeft} s left). ${resets}`,
    };
  }

  if (usage.active.length >= eff.concurrent) {
    return {
      limit: 'concurrent',
      message: `You already have ${count(usage.active.length, 'video')} generating (limit ${eff.concurrent}). Wait for one to finish or cancel it.`,
    };
  }

  if (usage.lastSubmitAt !== null && eff.cooldown > 0) {
    const cooldownMs = eff.cooldown * 1000;
    const elapsed = now - usage.lastSubmitAt;
    if (elapsed < cooldownMs) {
      // Capped: a lastSubmitAt from a machine whose clock runs ahead must not stretch the wait past the cooldown.
      const wait = Math.min(eff.cooldown, Math.ceil((cooldownMs - elapsed) / 1000));
      return {
        limit: 'cooldown',
        message: `Please wait ${wait} more ${wait === 1 ? 'second' : 'seconds'} between videos (cooldown ${eff.cooldown} s).`,
      };
    }
  }
  return undefined;
}
