import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LimitRecordError, LimitSettings, UsageLedger, type LimitValues, type ReserveResult } from '../src/limits';
import { wordRefusal } from '../src/discord/messages';
import { redisAvailable, REDIS_TEST_URL } from './support/redis';
import { storeForSuite } from './support/store-suite';

// In CI Redis is always there (redisAvailable throws), so a dead Redis fails the run rather than skipping it.
const skipRedis = !(await redisAvailable());

const tmp = mkdtempSync(join(tmpdir(), 'vidu-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Numeric like a snowflake, and unique per run, so parallel runs against one Redis never share a record. */
let seq = 0;
const runId = `${Date.now()}${process.pid}${Math.floor(Math.random() * 1000)}`;
const uid = () => `${runId}${++seq}`;

const open: LimitValues = { dailyVideos: 100, dailySeconds: 10_000, concurrent: 100, cooldown: 0 };
const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
/** A refusal as the member reads it: which limit, and the English sentence. */
const worded = (r: ReserveResult) => (r.ok ? r : { ok: false as const, refusal: { limit: r.refusal.limit, message: wordRefusal(r.refusal) } });

const stores = [
  { name: 'sqlite', url: () => `sqlite://${join(tmp, 'x.sqlite')}`, skip: false },
  { name: 'redis', url: () => REDIS_TEST_URL, skip: skipRedis },
];

describe.each(stores)('UsageLedger on $name', ({ url, skip }) => {
  const store = storeForSuite(url, skip);
  // A fresh scope and member per test; the clock is per test too.
  const setup = (opts: { isJobActive?: (id: string) => Promise<boolean> } = {}) => {
    const clock = { now: T0 };
    const ledger = new UsageLedger(store.kv, { now: () => clock.now, ...opts });
    const scope = uid();
    const user = uid();
    store.track(ledger.usageKey(scope, user));
    return { clock, ledger, scope, user };
  };


  describe.skipIf(skip)('', () => {
    it('reserves up to the daily limit, then refuses', async () => {
      const { ledger, scope, user } = setup();
      const eff = { ...open, dailyVideos: 3 };
      for (const id of ['j1', 'j2', 'j3']) {
        const r = await ledger.reserve(scope, user, eff, id, 5);
        expect(r.ok).toBe(true);
      }
      const refused = worded(await ledger.reserve(scope, user, eff, 'j4', 5));
      expect(refused).toEqual({ ok: false, refusal: { limit: 'dailyVideos', message: expect.stringContaining('You have used your 3 videos for today (limit 3).') } });
      expect(await ledger.get(scope, user)).toEqual({ day: '2026-03-10', videos: 3, seconds: 15, active: ['j1', 'j2', 'j3'], lastSubmitAt: T0 });
    });

    it('returns what settling needs', async () => {
      const { ledger, scope, user } = setup();
      const r = await ledger.reserve(scope, user, open, 'j1', 8);
      expect(r).toEqual({ ok: true, reservation: { key: ledger.usageKey(scope, user), day: '2026-03-10', seconds: 8 } });
    });

    it('lets exactly one of two simultaneous submissions through a limit of 1', async () => {
      const { ledger, scope, user } = setup();
      const results = await Promise.all([
        ledger.reserve(scope, user, { ...open, concurrent: 1 }, 'a', 5),
        ledger.reserve(scope, user, { ...open, concurrent: 1 }, 'b', 5),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const refused = results.find((r) => !r.ok);
      expect(refused && !refused.ok && refused.refusal.limit).toBe('concurrent');
      expect((await ledger.get(scope, user)).videos).toBe(1);
    });

    it('lets exactly one of many simultaneous submissions through a daily limit of 1', async () => {
      const { ledger, scope, user } = setup();
      const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => ledger.reserve(scope, user, { ...open, dailyVideos: 1 }, id, 5)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 1, seconds: 5 });
    });

    it('keeps members and scopes apart', async () => {
      const { ledger, scope, user } = setup();
      const other = uid();
      const otherScope = uid();
      store.track(ledger.usageKey(scope, other), ledger.usageKey(otherScope, user));
      const eff = { ...open, dailyVideos: 1 };
      expect((await ledger.reserve(scope, user, eff, 'a', 5)).ok).toBe(true);
      expect((await ledger.reserve(scope, other, eff, 'b', 5)).ok).toBe(true);
      expect((await ledger.reserve(otherScope, user, eff, 'c', 5)).ok).toBe(true);
      expect((await ledger.reserve(scope, user, eff, 'd', 5)).ok).toBe(false);
    });

    it.each(['failed', 'rejected', 'cancelled', 'unconfirmed'])('gives the quota back when the job is %s', async () => {
      const { ledger, scope, user } = setup();
      const eff = { ...open, dailyVideos: 1, dailySeconds: 10 };
      const r = await ledger.reserve(scope, user, eff, 'j1', 8);
      if (!r.ok) throw new Error('expected a reservation');
      expect((await ledger.reserve(scope, user, eff, 'j2', 2)).ok).toBe(false);
      await ledger.release(r.reservation, 'j1');
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 0, seconds: 0, active: [] });
      expect((await ledger.reserve(scope, user, eff, 'j2', 10)).ok).toBe(true);
    });

    it('gives back once when released twice, also concurrently', async () => {
      const { ledger, scope, user } = setup();
      const a = await ledger.reserve(scope, user, open, 'a', 5);
      const b = await ledger.reserve(scope, user, open, 'b', 7);
      if (!a.ok || !b.ok) throw new Error('expected reservations');
      await ledger.release(a.reservation, 'a');
      await ledger.release(a.reservation, 'a');
      await Promise.all([ledger.release(a.reservation, 'a'), ledger.release(a.reservation, 'a')]);
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 1, seconds: 7, active: ['b'] });
    });

    it('ignores a release for a job it never reserved', async () => {
      const { ledger, scope, user } = setup();
      const a = await ledger.reserve(scope, user, open, 'a', 5);
      if (!a.ok) throw new Error('expected a reservation');
      await ledger.release(a.reservation, 'ghost');
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 1, seconds: 5, active: ['a'] });
    });

    it('keeps the counts on commit, frees the slot, and a later release gives nothing back', async () => {
      const { ledger, scope, user } = setup();
      const eff = { ...open, concurrent: 1 };
      const r = await ledger.reserve(scope, user, eff, 'a', 5);
      if (!r.ok) throw new Error('expected a reservation');
      expect((await ledger.reserve(scope, user, eff, 'b', 5)).ok).toBe(false);
      await ledger.commit(r.reservation, 'a');
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 1, seconds: 5, active: [] });
      await ledger.release(r.reservation, 'a');
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 1, seconds: 5, active: [] });
      expect((await ledger.reserve(scope, user, eff, 'b', 5)).ok).toBe(true);
    });

    it('settles nothing for a record that is gone', async () => {
      const { ledger, scope, user } = setup();
      await ledger.release({ key: ledger.usageKey(scope, user), day: '2026-03-10', seconds: 5 }, 'a');
      await ledger.commit({ key: ledger.usageKey(scope, user), day: '2026-03-10', seconds: 5 }, 'a');
      expect(await store.kv.get(ledger.usageKey(scope, user))).toBeUndefined();
    });

    it('refuses a job id that already holds a reservation', async () => {
      const { ledger, scope, user } = setup();
      await ledger.reserve(scope, user, open, 'a', 5);
      await expect(ledger.reserve(scope, user, open, 'a', 5)).rejects.toThrow(/already holds a reservation/);
    });

    it('drops an active id left by a crash once the job store says it is not running', async () => {
      const first = setup();
      const eff = { ...open, concurrent: 1 };
      expect((await first.ledger.reserve(first.scope, first.user, eff, 'crashed', 5)).ok).toBe(true);

      // The process restarts; the job 'crashed' ended without its reservation being settled.
      const running = new Set<string>();
      const asked: string[] = [];
      const ledger = new UsageLedger(store.kv, {
        now: () => T0 + 60_000,
        isJobActive: async (id) => {
          asked.push(id);
          return running.has(id);
        },
      });
      expect(await ledger.get(first.scope, first.user)).toMatchObject({ active: [] });
      const r = await ledger.reserve(first.scope, first.user, eff, 'next', 5);
      expect(r.ok).toBe(true);
      running.add('next');
      expect(asked).toContain('crashed');
      // The daily count is left alone: we do not know how the crashed job ended.
      expect(await ledger.get(first.scope, first.user)).toMatchObject({ videos: 2, active: ['next'] });

      const refused = await ledger.reserve(first.scope, first.user, eff, 'third', 5);
      expect(refused.ok).toBe(false);
    });

    it('keeps an active id when the job store cannot answer', async () => {
      const first = setup();
      const eff = { ...open, concurrent: 1 };
      await first.ledger.reserve(first.scope, first.user, eff, 'a', 5);
      const ledger = new UsageLedger(store.kv, {
        now: () => T0 + 60_000,
        isJobActive: async () => {
          throw new Error('store down');
        },
      });
      const r = await ledger.reserve(first.scope, first.user, eff, 'b', 5);
      expect(r.ok === false && r.refusal.limit).toBe('concurrent');
    });

    it('starts the counts again at UTC midnight, keeping running jobs and the cooldown', async () => {
      const { clock, ledger, scope, user } = setup();
      const eff = { ...open, dailyVideos: 1, concurrent: 2, cooldown: 30 };
      clock.now = Date.UTC(2026, 2, 10, 23, 59, 50);
      const y = await ledger.reserve(scope, user, eff, 'late', 5);
      if (!y.ok) throw new Error('expected a reservation');
      expect(y.reservation.day).toBe('2026-03-10');

      clock.now = Date.UTC(2026, 2, 11, 0, 0, 5);
      expect(await ledger.get(scope, user)).toEqual({ day: '2026-03-11', videos: 0, seconds: 0, active: ['late'], lastSubmitAt: Date.UTC(2026, 2, 10, 23, 59, 50) });
      const cooling = worded(await ledger.reserve(scope, user, eff, 'early', 5));
      expect(cooling.ok === false && cooling.refusal.message).toBe('Please wait 15 more seconds between videos (cooldown 30 s).');

      clock.now = Date.UTC(2026, 2, 11, 0, 0, 20);
      const t = await ledger.reserve(scope, user, eff, 'early', 5);
      expect(t.ok).toBe(true);

      // Yesterday's job fails after midnight: its slot is freed, but today's count is today's.
      await ledger.release(y.reservation, 'late');
      expect(await ledger.get(scope, user)).toMatchObject({ day: '2026-03-11', videos: 1, seconds: 5, active: ['early'] });
    });

    it('clears today on a moderator reset, keeping running jobs, and a later release gives nothing back', async () => {
      const { ledger, scope, user } = setup();
      const eff = { ...open, dailyVideos: 2, cooldown: 30 };
      const a = await ledger.reserve(scope, user, eff, 'a', 5);
      if (!a.ok) throw new Error('expected a reservation');
      await ledger.reset(scope, user);
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 0, seconds: 0, active: ['a'], lastSubmitAt: null });
      await ledger.release(a.reservation, 'a');
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 0, seconds: 0, active: [] });
      expect((await ledger.reserve(scope, user, eff, 'b', 5)).ok).toBe(true);
    });

    it('words the block for DMs', async () => {
      const { ledger, user } = setup();
      store.track(ledger.usageKey('dm', user));
      const r = worded(await ledger.reserve('dm', user, { ...open, dailyVideos: 0 }, 'a', 5));
      expect(r.ok === false && r.refusal.message).toBe('You are not allowed to make videos in direct messages (limit 0).');
    });

    it('reads an unreadable usage record as empty', async () => {
      const { ledger, scope, user } = setup();
      await store.kv.set(ledger.usageKey(scope, user), { v: 9, junk: true });
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 0, active: [] });
      expect((await ledger.reserve(scope, user, open, 'a', 5)).ok).toBe(true);
    });

    it('is stored: another ledger on the same store sees the usage', async () => {
      const { ledger, scope, user } = setup();
      await ledger.reserve(scope, user, open, 'a', 5);
      const again = new UsageLedger(store.kv, { now: () => T0 });
      expect(await again.get(scope, user)).toMatchObject({ videos: 1, seconds: 5, active: ['a'] });
    });
  });
});

describe.each(stores)('LimitSettings on $name', ({ url, skip }) => {
  const store = storeForSuite(url, skip);
  const ids = () => {
    const guild = uid();
    const user = uid();
    store.track(LimitSettings.serverKey(guild), LimitSettings.memberKey(guild, user));
    return { guild, user };
  };

  describe.skipIf(skip)('', () => {
    it('merges server patches: undefined keeps, null clears', async () => {
      const s = new LimitSettings(store.kv);
      const { guild } = ids();
      expect(await s.getServer(guild)).toBeUndefined();
      await s.setServer(guild, { defaults: { dailyVideos: 3, cooldown: 60 }, caps: { maxResolution: '720p' } });
      const next = await s.setServer(guild, { defaults: { dailyVideos: undefined, cooldown: null, concurrent: 1 }, caps: { models: ['viduq3'] } });
      expect(next).toEqual({ v: 1, defaults: { dailyVideos: 3, concurrent: 1 }, caps: { maxResolution: '720p', models: ['viduq3'] } });
      expect(await s.getServer(guild)).toEqual(next);
    });

    it('refuses an out-of-range value and writes nothing', async () => {
      const s = new LimitSettings(store.kv);
      const { guild } = ids();
      await s.setServer(guild, { defaults: { dailyVideos: 3 } });
      await expect(s.setServer(guild, { defaults: { dailyVideos: -1 } })).rejects.toThrow();
      await expect(s.setServer(guild, { caps: { maxDuration: 99 } })).rejects.toThrow();
      expect((await s.getServer(guild))?.defaults).toEqual({ dailyVideos: 3 });
    });

    it('sets, merges and clears member overrides', async () => {
      const s = new LimitSettings(store.kv);
      const { guild, user } = ids();
      expect(await s.getMember(guild, user)).toBeUndefined();
      expect(await s.setMember(guild, user, { dailyVideos: 0 })).toEqual({ dailyVideos: 0 });
      expect(await s.setMember(guild, user, { cooldown: 5 })).toEqual({ dailyVideos: 0, cooldown: 5 });
      expect(await s.getMember(guild, user)).toEqual({ dailyVideos: 0, cooldown: 5 });
      expect(await s.setMember(guild, user, { dailyVideos: null, cooldown: null })).toEqual({});
      expect(await s.getMember(guild, user)).toBeUndefined();
      await s.setMember(guild, user, { concurrent: 2 });
      await s.clearMember(guild, user);
      expect(await s.getMember(guild, user)).toBeUndefined();
    });

    it('refuses to read a damaged record, so a block is never lifted silently; a set replaces it', async () => {
      const s = new LimitSettings(store.kv);
      const { guild, user } = ids();
      await store.kv.set(LimitSettings.memberKey(guild, user), { v: 1, limits: { dailyVideos: 'zero' } });
      await expect(s.getMember(guild, user)).rejects.toBeInstanceOf(LimitRecordError);
      expect(await s.setMember(guild, user, { dailyVideos: 0 })).toEqual({ dailyVideos: 0 });
      expect(await s.getMember(guild, user)).toEqual({ dailyVideos: 0 });
    });
  });
});
