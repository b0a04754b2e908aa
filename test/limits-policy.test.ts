import { describe, expect, it } from 'vitest';
import {
  checkLimits as refusalOf,
  memberOverrideSchema,
  nextUtcMidnight,
  resolveLimits,
  serverSettingsSchema,
  utcDay,
  type LimitValues,
  type UsageSnapshot,
} from '../src/limits';
import { wordRefusal } from '../src/discord/messages';

/** The refusal as the member reads it: which limit, and the English sentence. */
const checkLimits = (...args: Parameters<typeof refusalOf>) => {
  const r = refusalOf(...args);
  return r && { limit: r.limit, message: wordRefusal(r) };
};

const bot: LimitValues = { dailyVideos: 10, dailySeconds: 120, concurrent: 2, cooldown: 30 };
// 2025-12-31 15:00 UTC; the next UTC midnight is 1767225600 s.
const NOW = Date.UTC(2025, 11, 31, 15, 0, 0);
const RESET = '<t:1767225600:R>';
const usage = (over: Partial<UsageSnapshot> = {}): UsageSnapshot => ({ day: utcDay(NOW), videos: 0, seconds: 0, active: [], lastSubmitAt: null, ...over });

describe('resolveLimits', () => {
  it('uses the bot defaults when nothing is set', () => {
    const eff = resolveLimits(bot, undefined, undefined);
    expect(eff.values).toEqual(bot);
    expect(eff.sources).toEqual({ dailyVideos: 'bot default', dailySeconds: 'bot default', concurrent: 'bot default', cooldown: 'bot default' });
  });

  it('lets a server default override the bot default, per limit', () => {
    const eff = resolveLimits(bot, { dailyVideos: 3, cooldown: 0 }, undefined);
    expect(eff.values).toEqual({ dailyVideos: 3, dailySeconds: 120, concurrent: 2, cooldown: 0 });
    expect(eff.sources).toEqual({ dailyVideos: 'server default', dailySeconds: 'bot default', concurrent: 'bot default', cooldown: 'server default' });
  });

  it('lets a member override beat both, per limit', () => {
    const eff = resolveLimits(bot, { dailyVideos: 3, dailySeconds: 60 }, { dailyVideos: 20, concurrent: 1 });
    expect(eff.values).toEqual({ dailyVideos: 20, dailySeconds: 60, concurrent: 1, cooldown: 30 });
    expect(eff.sources).toEqual({ dailyVideos: 'member override', dailySeconds: 'server default', concurrent: 'member override', cooldown: 'bot default' });
  });

  it('treats 0 as a value, not as unset', () => {
    const eff = resolveLimits(bot, { dailyVideos: 5 }, { dailyVideos: 0 });
    expect(eff.values.dailyVideos).toBe(0);
    expect(eff.sources.dailyVideos).toBe('member override');
    expect(checkLimits(eff.values, usage(), 5, NOW)).toEqual({ limit: 'dailyVideos', message: 'You are not allowed to make videos in this server (limit 0).' });
  });

  it('does not mutate the bot defaults', () => {
    resolveLimits(bot, { dailyVideos: 1 }, { cooldown: 1 });
    expect(bot).toEqual({ dailyVideos: 10, dailySeconds: 120, concurrent: 2, cooldown: 30 });
  });
});

describe('stored settings schemas', () => {
  it('accepts versioned records and refuses others', () => {
    expect(serverSettingsSchema.safeParse({ v: 1, defaults: { dailyVideos: 0 }, caps: { maxResolution: '720p', models: ['viduq3'] } }).success).toBe(true);
    expect(serverSettingsSchema.safeParse({ v: 2, defaults: {}, caps: {} }).success).toBe(false);
    expect(serverSettingsSchema.safeParse({ v: 1, defaults: { dailyVideos: -1 }, caps: {} }).success).toBe(false);
    expect(serverSettingsSchema.safeParse({ v: 1, defaults: {}, caps: { models: [] } }).success).toBe(false);
    expect(serverSettingsSchema.safeParse({ v: 1, defaults: {}, caps: { maxResolution: '4k' } }).success).toBe(false);
    expect(memberOverrideSchema.safeParse({ v: 1, limits: { cooldown: 10 } }).success).toBe(true);
    expect(memberOverrideSchema.safeParse({ v: 1, limits: { cooldown: 1.5 } }).success).toBe(false);
    expect(memberOverrideSchema.safeParse({ limits: {} }).success).toBe(false);
  });
});

describe('UTC days', () => {
  it('rolls over at UTC midnight, not local midnight', () => {
    const lastMs = Date.UTC(2025, 11, 31, 23, 59, 59, 999);
    expect(utcDay(lastMs)).toBe('2025-12-31');
    expect(utcDay(lastMs + 1)).toBe('2026-01-01');
    expect(nextUtcMidnight(lastMs)).toBe(lastMs + 1);
    expect(nextUtcMidnight(lastMs + 1)).toBe(Date.UTC(2026, 0, 2));
    expect(nextUtcMidnight(NOW)).toBe(1767225600_000);
  });

  it('handles month ends and leap days', () => {
    expect(nextUtcMidnight(Date.UTC(2028, 1, 28, 12))).toBe(Date.UTC(2028, 1, 29));
    expect(utcDay(Date.UTC(2028, 1, 29, 5))).toBe('2028-02-29');
    expect(nextUtcMidnight(Date.UTC(2027, 1, 28, 12))).toBe(Date.UTC(2027, 2, 1));
  });
});

describe('checkLimits', () => {
  it('allows a request well within every limit', () => {
    expect(checkLimits(bot, usage(), 5, NOW)).toBeUndefined();
  });

  describe('daily videos', () => {
    const eff = { ...bot, dailyVideos: 3 };
    it('allows the last video and refuses the one after', () => {
      expect(checkLimits(eff, usage({ videos: 2 }), 5, NOW)).toBeUndefined();
      expect(checkLimits(eff, usage({ videos: 3 }), 5, NOW)).toEqual({
        limit: 'dailyVideos',
        message: `You have used your 3 videos for today (limit 3). It resets ${RESET}.`,
      });
    });
    it('words a limit lowered below what was already used, and the singular', () => {
      expect(checkLimits(eff, usage({ videos: 5 }), 5, NOW)?.message).toBe(`You have used 5 videos today (limit 3). It resets ${RESET}.`);
      expect(checkLimits({ ...bot, dailyVideos: 1 }, usage({ videos: 1 }), 5, NOW)?.message).toBe(`You have used your 1 video for today (limit 1). It resets ${RESET}.`);
    });
    it('says "not allowed" for 0, with no reset time, and names DMs in DMs', () => {
      expect(checkLimits({ ...bot, dailyVideos: 0 }, usage(), 5, NOW)).toEqual({ limit: 'dailyVideos', message: 'You are not allowed to make videos in this server (limit 0).' });
      expect(checkLimits({ ...bot, dailyVideos: 0 }, usage(), 5, NOW, 'dm')?.message).toBe('You are not allowed to make videos in direct messages (limit 0).');
    });
  });

  describe('daily seconds', () => {
    const eff = { ...bot, dailySeconds: 20 };
    it('allows a request that uses exactly what is left and refuses one second more', () => {
      expect(checkLimits(eff, usage({ seconds: 12 }), 8, NOW)).toBeUndefined();
      expect(checkLimits(eff, usage({ seconds: 13 }), 8, NOW)).toEqual({
        limit: 'dailySeconds',
        message: `This 8-second video would exceed your daily 20 seconds (7 s left). It resets ${RESET}.`,
      });
      expect(checkLimits(eff, usage({ seconds: 12 }), 9, NOW)?.message).toBe(`This 9-second video would exceed your daily 20 seconds (8 s left). It resets ${RESET}.`);
    });
    it('never reports a negative amount left', () => {
      expect(checkLimits(eff, usage({ seconds: 30 }), 1, NOW)?.message).toBe(`This 1-second video would exceed your daily 20 seconds (0 s left). It resets ${RESET}.`);
    });
    it('says so when no day could fit the request', () => {
      expect(checkLimits(eff, usage(), 21, NOW)).toEqual({
        limit: 'dailySeconds',
        message: 'A 21-second video is longer than your daily 20 seconds; choose a shorter duration.',
      });
      expect(checkLimits(eff, usage(), 20, NOW)).toBeUndefined();
    });
    it('blocks at 0', () => {
      expect(checkLimits({ ...bot, dailySeconds: 0 }, usage(), 1, NOW)?.limit).toBe('dailySeconds');
      expect(checkLimits({ ...bot, dailySeconds: 0 }, usage(), 1, NOW)?.message).toMatch(/^You are not allowed to make videos in this server/);
    });
  });

  describe('concurrent', () => {
    it('allows below the limit and refuses at it', () => {
      expect(checkLimits(bot, usage({ active: ['a'] }), 5, NOW)).toBeUndefined();
      expect(checkLimits(bot, usage({ active: ['a', 'b'] }), 5, NOW)).toEqual({
        limit: 'concurrent',
        message: 'You already have 2 videos generating (limit 2). Wait for one to finish or cancel it.',
      });
      expect(checkLimits({ ...bot, concurrent: 1 }, usage({ active: ['a'] }), 5, NOW)?.message).toBe(
        'You already have 1 video generating (limit 1). Wait for one to finish or cancel it.',
      );
    });
    it('blocks at 0', () => {
      expect(checkLimits({ ...bot, concurrent: 0 }, usage(), 5, NOW)?.limit).toBe('concurrent');
    });
  });

  describe('cooldown', () => {
    it('refuses until the cooldown has fully passed', () => {
      expect(checkLimits(bot, usage({ lastSubmitAt: NOW - 5_000 }), 5, NOW)).toEqual({
        limit: 'cooldown',
        message: 'Please wait 25 more seconds between videos (cooldown 30 s).',
      });
      expect(checkLimits(bot, usage({ lastSubmitAt: NOW - 29_999 }), 5, NOW)?.message).toBe('Please wait 1 more second between videos (cooldown 30 s).');
      expect(checkLimits(bot, usage({ lastSubmitAt: NOW - 30_000 }), 5, NOW)).toBeUndefined();
    });
    it('never asks for more than the cooldown when the last submission is in the future (clock skew)', () => {
      expect(checkLimits(bot, usage({ lastSubmitAt: NOW + 60_000 }), 5, NOW)?.message).toBe('Please wait 30 more seconds between videos (cooldown 30 s).');
    });
    it('is off at 0 and without a previous submission', () => {
      expect(checkLimits({ ...bot, cooldown: 0 }, usage({ lastSubmitAt: NOW }), 5, NOW)).toBeUndefined();
      expect(checkLimits(bot, usage({ lastSubmitAt: null }), 5, NOW)).toBeUndefined();
    });
  });

  it('reports the longest-lasting limit first', () => {
    const all = usage({ videos: 10, seconds: 120, active: ['a', 'b'], lastSubmitAt: NOW });
    expect(checkLimits(bot, all, 5, NOW)?.limit).toBe('dailyVideos');
    expect(checkLimits(bot, { ...all, videos: 0 }, 5, NOW)?.limit).toBe('dailySeconds');
    expect(checkLimits(bot, { ...all, videos: 0, seconds: 0 }, 5, NOW)?.limit).toBe('concurrent');
    expect(checkLimits(bot, { ...all, videos: 0, seconds: 0, active: [] }, 5, NOW)?.limit).toBe('cooldown');
  });
});
