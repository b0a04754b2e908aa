import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import type { Job } from '../../src/jobs/record';
import { apimartFault, CHAOS, discordFault, discordRoute, draw, findTag, makePlan, tagOf, type JobPlan } from './plan';
import {
  classify,
  countsTowardUsage,
  deliveryProblems,
  finalMessageProblems,
  jobIdsIn,
  submitProblems,
  unconfirmedProblems,
  usageProblems,
  type Observation,
  type ObservedJob,
  type ObservedMessage,
} from './verdict';

/** The chaos suite's own parts: a harness that lies would make the suite worthless. */

describe('the plan', () => {
  it('is a function of the seed', () => {
    expect(makePlan(9)).toEqual(makePlan(9));
    expect(makePlan(10).jobs.map((j) => j.sendAt)).not.toEqual(makePlan(9).jobs.map((j) => j.sendAt));
    expect(draw(9, 'a')).toBe(draw(9, 'a'));
    expect(draw(9, 'a')).not.toBe(draw(9, 'b'));
  });

  it('has enough jobs and kills, every store fault kind early, and its planned timeouts', () => {
    for (const seed of [1, 9, 1234]) {
      const plan = makePlan(seed);
      expect(plan.jobs).toHaveLength(CHAOS.jobs);
      expect(new Set(plan.jobs.map((j) => j.tag)).size).toBe(CHAOS.jobs);
      expect(plan.jobs.every((j) => j.sendAt >= 0 && j.sendAt <= CHAOS.sendWindowMs && findTag(j.prompt) === j.tag)).toBe(true);
      expect(plan.kills.length).toBeGreaterThanOrEqual(5);
      expect(new Set(plan.storeFaults.slice(0, 4).map((f) => f.kind))).toEqual(new Set(['drop', 'stall', 'hang', 'outage']));
      expect(plan.jobs.filter((j) => j.hang?.op === 'submit')).toHaveLength(1);
      expect(plan.jobs.filter((j) => j.hang?.op === 'poll')).toHaveLength(CHAOS.pollHangCandidates);
    }
  });

  it('draws each request its fault from its identity, at about the planned rates', () => {
    const job = { tag: tagOf(1) };
    expect(apimartFault(9, 'submit', job, 0, true)).toEqual(apimartFault(9, 'submit', job, 0, true));
    const kinds = (op: 'submit' | 'poll') =>
      Array.from({ length: 4000 }, (_, i) => apimartFault(9, op, { tag: tagOf(i % 1000) }, Math.floor(i / 1000), true)?.kind ?? 'none');
    const share = (list: string[], kind: string) => list.filter((k) => k === kind).length / list.length;
    expect(share(kinds('submit'), '429')).toBeCloseTo(0.1, 1);
    expect(share(kinds('poll'), 'malformed')).toBeCloseTo(0.04, 1);
    expect(kinds('poll')).not.toContain('timeout'); // real timeouts only where planned
    expect(apimartFault(9, 'poll', { tag: 'x', hang: { op: 'poll', attempt: 1 } }, 1, true)).toEqual({ kind: 'timeout', ms: CHAOS.hangMs });
    expect(apimartFault(9, 'poll', { tag: 'x', hang: { op: 'poll', attempt: 1 } }, 1, false)?.kind).not.toBe('timeout');
    const discord = Array.from({ length: 2000 }, (_, i) => discordFault(9, 'webhook-edit', tagOf(i % 500), Math.floor(i / 500), false)?.kind);
    expect(discord).not.toContain('413'); // 413 answers uploads only
    expect(discord.filter((k) => k === '5xx').length / 2000).toBeCloseTo(0.07, 1);
  });

  it('faults only message writes, never deferrals or logins', () => {
    expect(discordRoute('PATCH', '/webhooks/1/tok/messages/@original')).toBe('webhook-edit');
    expect(discordRoute('POST', '/webhooks/1/tok')).toBe('webhook-post');
    expect(discordRoute('PATCH', '/channels/1/messages/2')).toBe('channel-edit');
    expect(discordRoute('POST', '/channels/1/messages')).toBe('channel-post');
    expect(discordRoute('POST', '/interactions/1/tok/callback')).toBeUndefined();
    expect(discordRoute('GET', '/gateway/bot')).toBeUndefined();
    expect(discordRoute('POST', '/users/@me/channels')).toBeUndefined();
  });
});

describe('reading a job message', () => {
  const cancel = [{ type: 1, components: [{ type: 2, custom_id: 'vidu:cancel:abcdef0123' }] }];
  it('tells thinking, running and each final state apart', () => {
    expect(classify({ attachments: [], flags: 1 << 7 })).toBe('thinking');
    expect(classify({ content: '⏳ **Queued** · 3s', components: cancel, attachments: [] })).toBe('running');
    expect(classify({ content: '✅ **Your video is ready**', attachments: [{ filename: 'vidu-x.mp4' }] })).toBe('delivered');
    expect(classify({ content: '❌ **The video could not be made.**', attachments: [] })).toBe('failed');
    expect(classify({ content: '🛑 **Cancelled.**', attachments: [] })).toBe('cancelled');
    expect(classify({ content: '⚠️ **Limit reached**', attachments: [] })).toBe('refused');
    expect(classify({ content: 'Cancelled after the service accepted it; it still makes it.', attachments: [] })).toBe('cancelled');
    // A Components V2 card keeps its text in text displays.
    expect(classify({ components: [{ type: 17, components: [{ type: 10, content: '✅ ready' }] }], attachments: [], flags: 1 << 15 })).toBe('delivered');
    expect(jobIdsIn(cancel)).toEqual(['abcdef0123']);
  });
});

const rec = (over: Partial<Job>): Job => ({ id: 'j1', state: 'delivered', taskId: 'task_1', failure: null, finishedAt: 2_000, ...over }) as Job;
const msg = (kind: ObservedMessage['kind'], over: Partial<ObservedMessage> = {}): ObservedMessage => ({ id: 'm', isReply: true, dm: false, kind, videoFiles: [], excerpt: '', ...over });
const plan = (over: Partial<JobPlan> = {}): JobPlan => ({ ...makePlan(1).jobs[0]!, userId: 'u1', dm: false, duration: 4, ...over });
const job = (over: Partial<ObservedJob> = {}): ObservedJob => ({
  plan: plan(),
  interactionId: '1',
  dispatchedAt: 1_000,
  acked: true,
  ackedAt: 1_010,
  messages: [msg('delivered', { videoFiles: ['vidu-j1.mp4'] })],
  jobIds: ['j1'],
  submits: [{ key: 'j1', processed: true, fault: undefined }],
  tasks: [{ id: 'task_1', status: 'completed' }],
  records: { j1: rec({}) },
  uploads: 1,
  ...over,
});
const observation = (jobs: ObservedJob[], over: Partial<Observation> = {}): Observation => ({
  seed: 1,
  jobs,
  killsAt: [],
  bots: [],
  usage: [],
  days: ['2026-01-01', '2026-01-01'],
  secrets: [],
  faults: {},
  webhookCallsWithBotToken: 0,
  startupMs: [],
  events: [],
  durationMs: 0,
  ...over,
});

describe('the verdicts', () => {
  it('one final message per job; an unanswered interaction only next to a kill', () => {
    expect(finalMessageProblems(observation([job()]))).toEqual([]);
    expect(finalMessageProblems(observation([job({ messages: [msg('delivered'), msg('delivered', { isReply: false })] })]))).toHaveLength(1);
    expect(finalMessageProblems(observation([job({ messages: [msg('running')] })]))).toHaveLength(1);
    const unacked = job({ acked: false, ackedAt: undefined, messages: [], jobIds: [] });
    expect(finalMessageProblems(observation([unacked], { killsAt: [2_000] }))).toEqual([]);
    expect(finalMessageProblems(observation([unacked], { killsAt: [9_000] }))).toHaveLength(1);
  });

  it('a reply left thinking is excused only by a kill while nothing could be written', () => {
    const stranded = job({ messages: [msg('thinking')], jobIds: [], records: {}, plan: plan({ expireTokenAfterMs: undefined }) });
    expect(finalMessageProblems(observation([stranded], { killsAt: [1_100] }))).toEqual([]); // 90 ms after the deferral
    expect(finalMessageProblems(observation([stranded], { killsAt: [1_300] }))).toEqual([]); // 290 ms: the marker may not have landed
    // Past it, the reply was marked and the next start answers it: left "thinking…" it is the bot's doing.
    expect(finalMessageProblems(observation([stranded], { killsAt: [1_400] }))).toHaveLength(1);
    expect(finalMessageProblems(observation([stranded], { killsAt: [3_000] }))).toHaveLength(1);
    // Killed past the window, its token dead before the next start could answer it (at 7 s, or 5 s after the
    // deferral when the start came sooner): only the token reaches a marked reply.
    const tokenDiesAt = (ms: number) => job({ messages: [msg('thinking')], jobIds: [], records: {}, plan: plan({ expireTokenAfterMs: ms - 1_000 }) });
    const restartAt = (at: number) => ({ killsAt: [3_000], events: [{ at, what: 'bot #1 started (pid 1)' }] });
    expect(finalMessageProblems(observation([tokenDiesAt(6_500)], restartAt(7_000)))).toEqual([]);
    expect(finalMessageProblems(observation([tokenDiesAt(5_500)], restartAt(4_000)))).toEqual([]);
    expect(finalMessageProblems(observation([tokenDiesAt(7_500)], restartAt(4_000)))).toHaveLength(1);
    expect(finalMessageProblems(observation([tokenDiesAt(7_500)], restartAt(7_000)))).toHaveLength(1);
    expect(finalMessageProblems(observation([stranded], { killsAt: [3_000], events: [{ at: 900, what: 'store outage 2500 ms' }] }))).toEqual([]);
    expect(finalMessageProblems(observation([stranded]))).toHaveLength(1); // no kill: the bot just hung
  });

  it('two handled submits, or two tasks, are a double submission', () => {
    expect(submitProblems(observation([job()]))).toEqual([]);
    const twice = job({ submits: [{ key: 'j1', processed: true, fault: 'lost' }, { key: 'j1', processed: true, fault: undefined }] });
    expect(submitProblems(observation([twice]))).toHaveLength(1);
    const retriedAfter429 = job({ submits: [{ key: 'j1', processed: false, fault: '429' }, { key: 'j1', processed: true, fault: undefined }] });
    expect(submitProblems(observation([retriedAfter429]))).toEqual([]);
    expect(deliveryProblems(observation([job({ messages: [msg('delivered', { videoFiles: ['a.mp4'] }), msg('running', { isReply: false, videoFiles: ['a.mp4'] })] })]))).toHaveLength(1);
  });

  it('unconfirmed needs an explanation: a lost answer, a kill or a store break', () => {
    const unconfirmed = (over: Partial<ObservedJob>) => job({ records: { j1: rec({ state: 'failed', taskId: null, failure: { code: 'unconfirmed' }, finishedAt: 1_200 }) }, messages: [msg('failed')], ...over });
    expect(unconfirmedProblems(observation([unconfirmed({})]))).toHaveLength(1);
    expect(unconfirmedProblems(observation([unconfirmed({ submits: [{ key: 'j1', processed: true, fault: 'lost' }] })]))).toEqual([]);
    expect(unconfirmedProblems(observation([unconfirmed({})], { killsAt: [1_100] }))).toEqual([]);
    expect(unconfirmedProblems(observation([unconfirmed({})], { events: [{ at: 600, what: 'store hang 500 ms' }] }))).toEqual([]);
  });

  it('usage counts made videos and cancels after acceptance, and nothing else', () => {
    expect(countsTowardUsage(rec({ state: 'delivered' }))).toBe(true);
    expect(countsTowardUsage(rec({ state: 'undeliverable' }))).toBe(true);
    expect(countsTowardUsage(rec({ state: 'cancelled' }))).toBe(true);
    expect(countsTowardUsage(rec({ state: 'cancelled', taskId: null }))).toBe(false);
    expect(countsTowardUsage(rec({ state: 'failed' }))).toBe(false);
    expect(countsTowardUsage(undefined)).toBe(false);
    const o = observation([job(), job({ records: { j1: rec({ state: 'failed' }) } })], { usage: [{ scope: 'g', userId: 'u1', videos: 1, seconds: 4 }] });
    expect(usageProblems(o, 'g')).toEqual([]);
    expect(usageProblems({ ...o, usage: [{ scope: 'g', userId: 'u1', videos: 2, seconds: 8 }] }, 'g')).toHaveLength(1);
  });
});

describe('the fault proxy', () => {
  let echo: Server | undefined;
  let proxy: FaultProxy | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await proxy?.close();
    await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
  });

  async function start() {
    echo = createServer((s) => {
      s.on('error', () => undefined); // the proxy resets it on purpose
      s.pipe(s);
    });
    await new Promise<void>((r) => echo!.listen(0, '127.0.0.1', () => r()));
    proxy = await startFaultProxy({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
  }
  function client(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
    const socket = connect(proxy!.port, '127.0.0.1');
    sockets.push(socket);
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    // A refused connection may close before it reports connecting.
    return Promise.race([new Promise<void>((r) => socket.once('connect', () => r())), closed]).then(() => ({ socket, received: () => data, closed }));
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('passes bytes, holds them during a stall, then delivers them in order', async () => {
    await start();
    const c = await client();
    c.socket.write('a');
    await sleep(50);
    expect(c.received()).toBe('a');
    proxy!.stall(200);
    c.socket.write('b');
    c.socket.write('c');
    await sleep(100);
    expect(c.received()).toBe('a');
    await sleep(200);
    expect(c.received()).toBe('abc');
  });

  it('a hang ends in a reset; a drop resets at once; an outage refuses, then accepts again', async () => {
    await start();
    const hung = await client();
    proxy!.stall(150, { thenReset: true });
    hung.socket.write('lost');
    await hung.closed;
    expect(hung.received()).toBe('');

    const dropped = await client();
    proxy!.drop();
    await dropped.closed;

    proxy!.outage(200);
    const refused = await client();
    await refused.closed;
    await sleep(250);
    const back = await client();
    back.socket.write('ok');
    await sleep(50);
    expect(back.received()).toBe('ok');
  });
});
