import { describe, expect, it } from 'vitest';
import {
  checkChannel,
  checkServer,
  limitsOfRoles,
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

describe('role limits', () => {
  const A = '700000000000000001';
  const B = '700000000000000002';

  it('takes the most generous value among the member’s roles, and names the role', () => {
    const eff = resolveLimits(bot, { dailyVideos: 1 }, undefined, [
      { roleId: A, limits: { dailyVideos: 2, cooldown: 60 } },
      { roleId: B, limits: { dailyVideos: 5, cooldown: 10 } },
    ]);
    expect(eff.values).toEqual({ ...bot, dailyVideos: 5, cooldown: 10 });
    expect(eff.sources).toEqual({ dailyVideos: 'role', dailySeconds: 'bot default', concurrent: 'bot default', cooldown: 'role' });
    expect(eff.roles).toEqual({ dailyVideos: B, cooldown: B });
  });

  it('a role outweighs the server default, and the member override outweighs every role', () => {
    const roles = [{ roleId: A, limits: { dailyVideos: 2 } }, { roleId: B, limits: { dailyVideos: 5 } }];
    expect(resolveLimits(bot, { dailyVideos: 8 }, undefined, roles).values.dailyVideos).toBe(5);
    const eff = resolveLimits(bot, undefined, { dailyVideos: 1 }, roles);
    expect(eff.values.dailyVideos).toBe(1);
    expect(eff.sources.dailyVideos).toBe('member override');
    expect(eff.roles.dailyVideos).toBeUndefined();
  });

  it('a blocking role is outweighed by any role that allows', () => {
    const eff = resolveLimits(bot, undefined, undefined, [{ roleId: A, limits: { dailyVideos: 0 } }, { roleId: B, limits: { dailyVideos: 3 } }]);
    expect(eff.values.dailyVideos).toBe(3);
  });

  it('limitsOfRoles keeps only the member’s roles that have limits, in the member’s order', () => {
    const settings = { roles: { [A]: { concurrent: 1 }, [B]: { concurrent: 4 } } };
    expect(limitsOfRoles(settings, [B, '700000000000000009'])).toEqual([{ roleId: B, limits: { concurrent: 4 } }]);
    expect(limitsOfRoles(undefined, [A])).toEqual([]);
  });
});

describe('channels', () => {
  const C1 = '800000000000000001';
  const C2 = '800000000000000002';
  const T = '800000000000000003';

  it('none set: everywhere', () => {
    expect(checkChannel({}, C1, null)).toBeUndefined();
  });

  it('with channels allowed: only those (and their threads), and the refusal names them as channel mentions', () => {
    const rules = { [C1]: true, [C2]: false };
    expect(checkChannel(rules, C1, null)).toBeUndefined();
    expect(checkChannel(rules, T, C1)).toBeUndefined();
    const refused = checkChannel(rules, C2, null)!;
    expect(wordRefusal(refused)).toBe(`Videos are made in <#${C1}> on this server, not here.`);
    expect(checkChannel(rules, '800000000000000009', null)).toBeDefined();
  });

  it('with channels only refused: everywhere but those', () => {
    const rules = { [C2]: false };
    expect(checkChannel(rules, C1, null)).toBeUndefined();
    expect(wordRefusal(checkChannel(rules, C2, null)!)).toBe('Videos cannot be made in this channel on this server.');
    expect(checkChannel(rules, T, C2)).toBeDefined();
    // A thread's own rule wins over its parent's.
    expect(checkChannel({ ...rules, [T]: true }, T, C2)).toBeUndefined();
  });
});

describe('server budget and concurrency (checkServer)', () => {
  const none = { daySeconds: 0, monthSeconds: 0, active: [] as string[] };

  it('refuses past the daily budget with the numbers and the reset', () => {
    const r = checkServer({ budget: { dailySeconds: 10 } }, { ...none, daySeconds: 8, monthSeconds: 8 }, 5, NOW)!;
    expect(r).toMatchObject({ code: 'budget_daily', seconds: 5, left: 2, max: 10, resetAt: nextUtcMidnight(NOW) });
    expect(wordRefusal(r)).toBe(`This server's daily video budget has 2 s of 10 s left today; this video needs 5 s. It resets ${RESET}.`);
    expect(checkServer({ budget: { dailySeconds: 10 } }, { ...none, daySeconds: 8 }, 2, NOW)).toBeUndefined();
  });

  it('tells of the month before the day; the month resets on the 1st, UTC', () => {
    const r = checkServer({ budget: { dailySeconds: 10, monthlySeconds: 100 } }, { ...none, daySeconds: 10, monthSeconds: 99 }, 5, NOW)!;
    expect(r).toMatchObject({ code: 'budget_monthly', left: 1, max: 100, resetAt: Date.UTC(2026, 0, 1) });
    expect(wordRefusal(r)).toContain('monthly video budget has 1 s of 100 s left this month; this video needs 5 s');
  });

  it('refuses past server_concurrent', () => {
    const r = checkServer({ budget: {}, serverConcurrent: 2 }, { ...none, active: ['a', 'b'] }, 5, NOW)!;
    expect(r).toMatchObject({ code: 'server_concurrent_full', active: 2, max: 2 });
    expect(wordRefusal(r)).toBe('This server already has 2 videos generating (limit 2 at once). Please try again when one has finished.');
  });
});

describe('server settings versions', () => {
  it('reads a version 1 record as version 2 with nothing new set', () => {
    const parsed = serverSettingsSchema.parse({ v: 1, defaults: { dailyVideos: 3 }, caps: { maxResolution: '720p' } });
    expect(parsed).toEqual({ v: 2, defaults: { dailyVideos: 3 }, caps: { maxResolution: '720p' }, roles: {}, channels: {}, budget: {} });
  });

  it('checks the new parts: role ids, limits in range, a positive budget', () => {
    const ok = { v: 2, defaults: {}, caps: {}, roles: {}, channels: {}, budget: {} };
    expect(serverSettingsSchema.safeParse({ ...ok, roles: { '700000000000000001': { dailyVideos: 2 } }, budget: { dailySeconds: 10 }, serverConcurrent: 3 }).success).toBe(true);
    expect(serverSettingsSchema.safeParse({ ...ok, roles: { everyone: { dailyVideos: 2 } } }).success).toBe(false);
    expect(serverSettingsSchema.safeParse({ ...ok, roles: { '700000000000000001': { dailyVideos: -2 } } }).success).toBe(false);
    expect(serverSettingsSchema.safeParse({ ...ok, budget: { dailySeconds: 0 } }).success).toBe(false);
  });
});
