import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors, expectedVideoBytes, startFakeApimart, type FakeApimart } from './fakes/apimart';
import { startFakeDiscord, type FakeDiscord } from './fakes/discord';
import { killAll, spawnBot, type BotProcess } from './support/bot-process';
import { pngHeader } from './support/images';
import { textOf } from './support/card';
import { eventually } from './support/eventually';
import { openStore } from '../src/store/kv';
import { createLogger } from '../src/log';
import { PendingReplies } from '../src/interactions/pending';

let apimart: FakeApimart;
let discord: FakeDiscord;
let dir: string;
const bots: BotProcess[] = [];

function env(): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.botToken,
    APIMART_API_KEY: apimart.apiKey,
    APIMART_BASE_URL: apimart.url,
    DISCORD_API_URL: discord.apiUrl,
    STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
    LOG_LEVEL: 'info',
    DEFAULT_COOLDOWN: '0',
  };
}

async function startBot(): Promise<BotProcess> {
  const bot = spawnBot(env(), dir);
  bots.push(bot);
  await bot.waitFor('"msg":"bot started"');
  return bot;
}

function sendVideo(userId = '222222222222222222') {
  const a = discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
  return discord.sendCommand({ name: 'video', options: [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }], attachments: [a], user: { id: userId } });
}

/** Resolves once the fake APIMart has received more than `count` submits. */
function submitsPast(count: number, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => (apimart.submitCount() > count ? resolve() : Date.now() > deadline ? reject(new Error('no submit')) : setTimeout(tick, 20));
    tick();
  });
}

const uploadsFor = (token: string) => discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${token}/messages/@original`)).filter((c) => c.files.length > 0 && c.status < 300);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidu-restart-'));
  apimart = await startFakeApimart();
  discord = await startFakeDiscord();
});
afterAll(async () => {
  try {
    await killAll(bots);
  } finally {
    await discord?.close();
    await apimart?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('restart', () => {
  it('kill -9 mid-poll: the new process resumes the job; one submit, one delivery', async () => {
    const first = await startBot();
    apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 1_000, status: 'processing', progress: 30 }, { at: 6_000, status: 'completed' }], estimatedTime: 6, videoBytes: 32 * 1024 });
    const submitsBefore = apimart.submitCount();
    const sent = sendVideo();
    const original = new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
    await discord.waitForCall('PATCH', original); // the job message: submitted and queued
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await first.kill('SIGKILL')).toBeNull();

    const second = await startBot();
    await second.waitFor('video delivered', 20_000);
    expect(apimart.submitCount() - submitsBefore).toBe(1);
    const uploads = uploadsFor(sent.token);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.files[0]!.data.equals(expectedVideoBytes(32 * 1024))).toBe(true);
    expect(second.output()).toMatch(/"resumed":1/);
    await second.kill('SIGTERM');
  });

  it('a crash during the submit is reported as unconfirmed, never submitted twice', async () => {
    const first = await startBot();
    apimart.failSubmit(errors.slow(4_000)); // the provider creates the task but answers late
    const submitsBefore = apimart.submitCount();
    const sent = sendVideo();
    await submitsPast(submitsBefore);
    await first.kill('SIGKILL');

    const second = await startBot();
    expect(second.output()).toMatch(/"unconfirmed":1/);
    await discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { predicate: (c) => String(textOf(c.body ?? {})).includes('did not confirm') });
    await new Promise((r) => setTimeout(r, 500));
    expect(apimart.submitCount() - submitsBefore).toBe(1);
    await second.kill('SIGTERM');
  });

  it('kill -9 while submits wait for their turn at the request gate: after the restart each is submitted, once', async () => {
    // One request a second: of three members pressing /video at once, the first submit is sent (and answered
    // late, so it cannot be confirmed), the other two wait for their turns, never sent, when the process dies.
    const slowEnv = { ...env(), APIMART_MAX_RPS: '1' };
    const first = spawnBot(slowEnv, dir);
    bots.push(first);
    await first.waitFor('"msg":"bot started"');
    for (let i = 0; i < 3; i++) apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 2_000, status: 'completed' }], estimatedTime: 2, videoBytes: 16 * 1024 });
    apimart.failSubmit(errors.slow(4_000));
    const submitsBefore = apimart.submits().length;
    const sent = ['222222222222222231', '222222222222222232', '222222222222222233'].map((user) => sendVideo(user));
    await submitsPast(submitsBefore);
    await new Promise((r) => setTimeout(r, 300));
    expect(await first.kill('SIGKILL')).toBeNull();
    expect(apimart.submits().length - submitsBefore).toBe(1);

    const second = spawnBot(slowEnv, dir);
    bots.push(second);
    await second.waitFor('"msg":"bot started"');
    expect(second.output()).toMatch(/"submitted":2/);
    expect(second.output()).toMatch(/"unconfirmed":1/);
    await eventually(() => sent.filter((s) => uploadsFor(s.token).length > 0).length === 2, 'two videos delivered', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const submits = apimart.submits().slice(submitsBefore);
    expect(submits).toHaveLength(3);
    expect(new Set(submits.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    expect(sent.map((s) => uploadsFor(s.token).length).sort()).toEqual([0, 1, 1]);
    await second.kill('SIGTERM');
  }, 60_000);

  it('kill -9 between the 2nd and 3rd submit of variations:4: after the restart 4 tasks in all, each delivered once', async () => {
    // One request a second: the takes' submits are spaced, so the test can act between them. Four at once
    // need four concurrent slots (each take counts as a video).
    const takesEnv = { ...env(), APIMART_MAX_RPS: '1', DEFAULT_CONCURRENT: '4' };
    const first = spawnBot(takesEnv, dir);
    bots.push(first);
    await first.waitFor('"msg":"bot started"');
    const sizes = [20_000, 20_001, 20_002, 20_003];
    for (const size of sizes) apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 1_000, status: 'processing', progress: 30 }, { at: 5_000, status: 'completed' }], estimatedTime: 5, videoBytes: size });
    const submitsBefore = apimart.submits().length;
    const a = discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
    const sent = discord.sendCommand({
      name: 'video',
      options: [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }, { name: 'variations', type: 4, value: 4 }],
      attachments: [a],
      user: { id: '222222222222222223' },
    });
    const original = new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
    // The card after the 1st take's submit; the one after the 2nd is held (429, retry in 5 s): the 2nd take is
    // recorded as accepted, the 3rd and 4th are written but never sent. Then the process dies.
    await discord.waitForCall('PATCH', original);
    discord.failNext('PATCH', original, { status: 429, retryAfter: 5 });
    await discord.waitForCall('PATCH', original, { predicate: (c) => c.status === 429 });
    expect(apimart.submits().length - submitsBefore).toBe(2);
    expect(await first.kill('SIGKILL')).toBeNull();

    const second = spawnBot(takesEnv, dir);
    bots.push(second);
    await second.waitFor('"msg":"bot started"');
    expect(second.output()).toMatch(/"resumed":2/);
    expect(second.output()).toMatch(/"submitted":2/);
    await eventually(() => (second.output().match(/"msg":"video delivered"/g)?.length ?? 0) >= 4, 'four takes delivered', 30_000);
    const submits = apimart.submits().slice(submitsBefore);
    expect(submits).toHaveLength(4);
    // Four distinct takes: four Idempotency-Keys, four seeds.
    expect(new Set(submits.map((r) => r.headers['idempotency-key'])).size).toBe(4);
    expect(new Set(submits.map((r) => (r.body as { seed: number }).seed)).size).toBe(4);
    await new Promise((r) => setTimeout(r, 1_000));
    // Each take's video uploaded once, as it was made.
    expect(uploadsFor(sent.token).flatMap((u) => u.files.map((f) => f.data.length)).sort()).toEqual(sizes);
    expect(second.output().match(/"msg":"video delivered"/g)).toHaveLength(4);
    await second.kill('SIGTERM');
  }, 60_000);

  it('kill -9 after the deferral, before the job record: the restart answers the reply; nothing submitted, no quota used', async () => {
    const first = await startBot();
    const submitsBefore = apimart.submitCount();
    const held = discord.holdAttachments();
    const member = '222222222222222224';
    let sent: ReturnType<FakeDiscord['sendCommand']>;
    try {
      // No dimensions: the bot reads the image's bytes after the deferral, before any reservation or record.
      const a = discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', data: pngHeader(640, 480) });
      sent = discord.sendCommand({ name: 'video', options: [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }], attachments: [a], user: { id: member }, locale: 'fr' });
      await eventually(() => held.waiting() > 0, 'the probe of the image');
      // The marker is written beside the probe; a moment for it to land.
      await new Promise((r) => setTimeout(r, 300));
      expect(await first.kill('SIGKILL')).toBeNull();
    } finally {
      held.release();
    }
    expect(discord.interactionMessages(sent.id).map((m) => m.flags! & (1 << 7))).toEqual([1 << 7]); // "thinking…"

    const second = await startBot();
    const original = new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
    const edit = await discord.waitForCall('PATCH', original, { predicate: (c) => c.status < 300, timeoutMs: 15_000 });
    expect(textOf(edit.body ?? {})).toContain('Le bot a redémarré avant que ta demande puisse commencer');
    expect(edit.auth).toBeUndefined();
    expect(apimart.submitCount() - submitsBefore).toBe(0);
    await second.kill('SIGTERM');
    // The store as the next process would read it: no usage for the member, and the marker gone.
    const kv = await openStore(env().STORE_URL!);
    try {
      expect(await kv.get(`usage:${discord.guilds[0]!.id}:${member}`)).toBeUndefined();
      const left = await new PendingReplies(kv, { logger: createLogger({ level: 'silent' }), now: Date.now, editReply: async () => undefined, startedBy: async () => false }).list(0);
      expect(left.map(([id]) => id)).not.toContain(sent.id);
    } finally {
      await kv.close();
    }
  });

  it('npm run deploy-commands registers in DEV_GUILD_ID, even when unchanged', async () => {
    const guildId = discord.guilds[0]!.id;
    const route = new RegExp(`^/applications/\\d+/guilds/${guildId}/commands$`);
    for (const expected of [1, 2]) {
      const bot = spawnBot({ ...env(), DEV_GUILD_ID: guildId }, dir, 'src/deploy-commands.ts');
      bots.push(bot);
      expect(await bot.exited).toBe(0);
      expect(discord.callsTo('PUT', route)).toHaveLength(expected);
    }
    expect(discord.callsTo('PUT', route)[0]!.body.map((c: { name: string }) => c.name)).toEqual(['video', 'video-limits', 'video-usage', 'video-refs', 'video-history', 'video-stats', 'Make a video']);
  });

  it('a wrong bot token stops the start with one clear line', async () => {
    const bot = spawnBot({ ...env(), DISCORD_TOKEN: 'not-the-token' }, dir);
    bots.push(bot);
    expect(await bot.exited).toBe(1);
    expect(bot.output().trim()).toBe('Discord refused DISCORD_TOKEN (401 Unauthorized): check the bot token in .env.');
  });

  it('SIGTERM stops cleanly: exit code 0 and the store closed', async () => {
    const bot = await startBot();
    expect(await bot.kill('SIGTERM')).toBe(0);
    expect(bot.output()).toContain('shutting down');
  });
});
