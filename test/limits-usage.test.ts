import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BudgetLedger, LimitRecordError, LimitSettings, UsageLedger, type LimitValues, type ReserveResult } from '../src/limits';
import { LimitsService } from '../src/limits/service';
import { openStore } from '../src/store/kv';
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

    it('reserves the takes of one request together, or none of them, and each settles on its own', async () => {
      const { ledger, scope, user } = setup();
      const eff = { ...open, dailyVideos: 5, concurrent: 4 };
      await ledger.reserve(scope, user, eff, 'j0', 5);
      const refused = await ledger.reserveTakes(scope, user, eff, ['t1', 't2', 't3', 't4', 't5'], 5);
      expect(refused).toMatchObject({ ok: false, refusal: { code: 'daily_videos_left', takes: 5, left: 4, max: 5 } });
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 1, seconds: 5, active: ['j0'] });
      expect(await ledger.reserveTakes(scope, user, eff, ['t1', 't2', 't3', 't4'], 5)).toMatchObject({ ok: false, refusal: { code: 'concurrent_full', takes: 4, active: 1, max: 4 } });
      const ok = await ledger.reserveTakes(scope, user, { ...eff, dailyVideos: 10, concurrent: 5 }, ['t1', 't2', 't3', 't4'], 5);
      if (!ok.ok) throw new Error('refused');
      expect(ok.reservations).toHaveLength(4);
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 5, seconds: 25, active: ['j0', 't1', 't2', 't3', 't4'] });
      // One take failing gives back one video and its seconds; the others keep theirs.
      await ledger.release(ok.reservations[1]!, 't2');
      expect(await ledger.get(scope, user)).toMatchObject({ videos: 4, seconds: 20, active: ['j0', 't1', 't3', 't4'] });
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
      const { after: next } = await s.setServer(guild, { defaults: { dailyVideos: undefined, cooldown: null, concurrent: 1 }, caps: { models: ['viduq3'] } });
      expect(next).toMatchObject({ defaults: { dailyVideos: 3, concurrent: 1 }, caps: { maxResolution: '720p', models: ['viduq3'] } });
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
      expect((await s.setMember(guild, user, { dailyVideos: 0 })).after).toEqual({ dailyVideos: 0 });
      expect((await s.setMember(guild, user, { cooldown: 5 })).after).toEqual({ dailyVideos: 0, cooldown: 5 });
      expect(await s.getMember(guild, user)).toEqual({ dailyVideos: 0, cooldown: 5 });
      expect((await s.setMember(guild, user, { dailyVideos: null, cooldown: null })).after).toEqual({});
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
      expect((await s.setMember(guild, user, { dailyVideos: 0 })).after).toEqual({ dailyVideos: 0 });
      expect(await s.getMember(guild, user)).toEqual({ dailyVideos: 0 });
    });
  });
});

/** Redis db 10: this suite's own, so its keys never meet other suites' on the shared Redis (cleaned per key). */
const REDIS_BUDGET_URL = `${REDIS_TEST_URL.replace(/\/\d+$/, '')}/10`;
const budgetStores = [
  { name: 'sqlite', url: () => `sqlite://${join(tmp, 'budget.sqlite')}`, skip: false },
  { name: 'redis', url: () => REDIS_BUDGET_URL, skip: skipRedis },
];

describe.each(budgetStores)('the server budget on $name', ({ url, skip }) => {
  const store = storeForSuite(url, skip);
  const setup = (opts: { isJobActive?: (id: string) => Promise<boolean> } = {}) => {
    const clock = { now: T0 };
    const budget = new BudgetLedger(store.kv, { now: () => clock.now, ...opts });
    const ledger = new UsageLedger(store.kv, { now: () => clock.now });
    const settings = new LimitSettings(store.kv);
    const guild = uid();
    const user = uid();
    store.track(budget.budgetKey(guild), ledger.usageKey(guild, user), LimitSettings.serverKey(guild), LimitSettings.memberKey(guild, user));
    const service = new LimitsService(open, settings, ledger, budget);
    return { clock, budget, ledger, settings, service, guild, user, who: { guildId: guild, userId: user, roleIds: [guild] } };
  };

  describe.skipIf(skip)('', () => {
    it('10 s a day: 8 s passes, 5 s more is refused with the numbers, a failed task gives its seconds back', async () => {
      const { service, settings, guild, who, budget } = setup();
      await settings.setServer(guild, { budget: { dailySeconds: 10 } });
      const first = await service.reserve(who, 'j1', 8);
      expect(first.ok).toBe(true);
      const second = await service.reserve(who, 'j2', 5);
      expect(second).toMatchObject({ ok: false, refusal: { code: 'budget_daily', seconds: 5, left: 2, max: 10 } });
      // The refused request left no trace in the member's own usage: no video, no cooldown.
      expect(await service.usage(guild, who.userId)).toMatchObject({ videos: 1, seconds: 8, active: ['j1'] });

      await service.release({ id: 'j1', usage: first.ok ? first.usage : null });
      expect(await budget.get(guild)).toMatchObject({ daySeconds: 0, monthSeconds: 0, active: [] });
      expect((await service.reserve(who, 'j3', 10)).ok).toBe(true);
    });

    it('a committed job keeps its seconds; a second release gives nothing more', async () => {
      const { service, settings, guild, who, budget } = setup();
      await settings.setServer(guild, { budget: { dailySeconds: 20 } });
      const a = await service.reserve(who, 'a', 8);
      const b = await service.reserve(who, 'b', 5);
      await service.commit({ id: 'a', usage: a.ok ? a.usage : null });
      await service.release({ id: 'b', usage: b.ok ? b.usage : null });
      await service.release({ id: 'b', usage: b.ok ? b.usage : null });
      await service.release({ id: 'a', usage: a.ok ? a.usage : null });
      expect(await budget.get(guild)).toMatchObject({ daySeconds: 8, monthSeconds: 8, active: [] });
    });

    it("a member's refusal gives the server's share straight back", async () => {
      const { service, settings, guild, who, budget } = setup();
      await settings.setServer(guild, { budget: { dailySeconds: 100 } });
      await settings.setMember(guild, who.userId, { dailyVideos: 1 });
      expect((await service.reserve(who, 'a', 5)).ok).toBe(true);
      expect(await service.reserve(who, 'b', 5)).toMatchObject({ ok: false, refusal: { code: 'daily_videos_used' } });
      expect(await budget.get(guild)).toMatchObject({ daySeconds: 5, active: ['a'] });
    });

    it("a store error on the member's share gives the server's share back", async () => {
      const { budget, settings, guild, who } = setup();
      const down = new Error('store down');
      const failing = { reserve: async () => Promise.reject(down), reserveTakes: async () => Promise.reject(down) } as unknown as UsageLedger;
      const service = new LimitsService(open, settings, failing, budget);
      await expect(service.reserve(who, 'x', 5)).rejects.toBe(down);
      expect(await budget.get(guild)).toMatchObject({ daySeconds: 0, active: [] });
    });

    it('counts the month across days; a day ends, the month goes on; a new month starts over', async () => {
      const { budget, guild, clock } = setup();
      const limits = { budget: { dailySeconds: 10, monthlySeconds: 25 } };
      const r1 = await budget.reserve(guild, limits, 'd1', 10);
      expect(r1.ok).toBe(true);
      clock.now = T0 + 24 * 3600_000;
      expect((await budget.reserve(guild, limits, 'd2', 10)).ok).toBe(true);
      clock.now = T0 + 2 * 24 * 3600_000;
      expect(await budget.reserve(guild, limits, 'd3', 10)).toMatchObject({ ok: false, refusal: { code: 'budget_monthly', left: 5, max: 25 } });
      // Yesterday's failed job gives back to the month, not to today's count.
      await budget.release(r1.ok ? r1.reservation : (undefined as never), 'd1');
      expect(await budget.get(guild)).toMatchObject({ daySeconds: 0, monthSeconds: 10 });
      clock.now = Date.UTC(2026, 3, 1, 0, 0, 1);
      expect(await budget.get(guild)).toMatchObject({ daySeconds: 0, monthSeconds: 0, month: '2026-04' });
    });

    it('server_concurrent holds the whole server; a crashed job stops holding its slot', async () => {
      const alive = new Set(['a', 'b']);
      const { budget, guild } = setup({ isJobActive: async (id) => alive.has(id) });
      const limits = { budget: {}, serverConcurrent: 2 };
      expect((await budget.reserve(guild, limits, 'a', 5)).ok).toBe(true);
      expect((await budget.reserve(guild, limits, 'b', 5)).ok).toBe(true);
      expect(await budget.reserve(guild, limits, 'c', 5)).toMatchObject({ ok: false, refusal: { code: 'server_concurrent_full', active: 2, max: 2 } });
      alive.delete('a');
      expect((await budget.reserve(guild, limits, 'c', 5)).ok).toBe(true);
    });

    it('two processes racing for the last seconds: only what fits passes', async () => {
      const { guild } = setup();
      // Two connections on Redis, as two processes; SQLite serves one process (start:sharded refuses it).
      const other = store.kv.kind === 'redis' ? await openStore(url()) : store.kv;
      try {
        const ledgers = [new BudgetLedger(store.kv, { now: () => T0 }), new BudgetLedger(other, { now: () => T0 })];
        const limits = { budget: { dailySeconds: 30 } };
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ledgers[i % 2]!.reserve(guild, limits, `r${i}`, 5)));
        expect(results.filter((r) => r.ok)).toHaveLength(6);
        expect(await ledgers[0]!.get(guild)).toMatchObject({ daySeconds: 30 });
      } finally {
        if (other !== store.kv) await other.close();
      }
    });
  });
});

describe.each(stores)('LimitSettings, version 2 parts, on $name', ({ url, skip }) => {
  const store = storeForSuite(url, skip);
  const ids = () => {
    const guild = uid();
    store.track(LimitSettings.serverKey(guild));
    return { guild };
  };

  describe.skipIf(skip)('', () => {
    it('a version 1 record is read as version 2 and written back as version 2 on the next change', async () => {
      const s = new LimitSettings(store.kv);
      const { guild } = ids();
      await store.kv.set(LimitSettings.serverKey(guild), { v: 1, defaults: { dailyVideos: 3 }, caps: {} });
      expect(await s.getServer(guild)).toMatchObject({ v: 2, defaults: { dailyVideos: 3 }, roles: {} });
      const { before, after } = await s.setServer(guild, { budget: { dailySeconds: 60 } });
      expect(before.budget).toEqual({});
      expect(after).toMatchObject({ v: 2, defaults: { dailyVideos: 3 }, budget: { dailySeconds: 60 } });
      expect(await store.kv.get(LimitSettings.serverKey(guild))).toMatchObject({ v: 2 });
    });

    it('role limits merge per role and clear with null; channels and the audit channel are set and removed', async () => {
      const s = new LimitSettings(store.kv);
      const { guild } = ids();
      const role = '700000000000000001';
      await s.setServer(guild, { role: { roleId: role, limits: { dailyVideos: 2 } } });
      expect((await s.setServer(guild, { role: { roleId: role, limits: { cooldown: 5 } } })).after.roles).toEqual({ [role]: { dailyVideos: 2, cooldown: 5 } });
      expect((await s.setServer(guild, { role: { roleId: role, limits: null } })).after.roles).toEqual({});
      expect((await s.setServer(guild, { channel: { channelId: '800000000000000001', allowed: true } })).after.channels).toEqual({ '800000000000000001': true });
      expect((await s.setServer(guild, { audit: { channelId: '800000000000000002' }, serverConcurrent: 3 })).after).toMatchObject({ audit: { channelId: '800000000000000002' }, serverConcurrent: 3 });
      const off = (await s.setServer(guild, { audit: null, serverConcurrent: null })).after;
      expect(off.audit).toBeUndefined();
      expect(off.serverConcurrent).toBeUndefined();
    });

    it('an audit failure is told once, and forgotten when the channel is set again', async () => {
      const s = new LimitSettings(store.kv);
      const { guild } = ids();
      const channelId = '800000000000000002';
      await s.setServer(guild, { audit: { channelId } });
      await s.auditFailed(guild, { channelId, status: 403, code: 50013, at: T0 }, false);
      expect(await s.takeAuditFailure(guild)).toEqual({ channelId, status: 403, code: 50013, at: T0, reported: false });
      expect(await s.takeAuditFailure(guild)).toBeUndefined();
      expect((await s.getServer(guild))?.audit?.failure).toMatchObject({ reported: true });
      await s.setServer(guild, { audit: { channelId } });
      expect((await s.getServer(guild))?.audit).toEqual({ channelId });
    });
  });
});
