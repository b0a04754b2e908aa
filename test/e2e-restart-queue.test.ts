import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApimart, type FakeApimart } from './fakes/apimart';
import { startFakeDiscord, type FakeDiscord } from './fakes/discord';
import { killAll, spawnBot, type BotProcess } from './support/bot-process';
import { pngHeader } from './support/images';
import { textOf } from './support/card';

/**
 * Jobs that wait (in line for a slot, or for a moderator's approval) survive a kill -9: the bot process is
 * killed while they wait, and a new one picks them up from the store (docs/commands.md, queue and approval).
 */

let apimart: FakeApimart;
let discord: FakeDiscord;
let dir: string;
const bots: BotProcess[] = [];
const USER = { id: '222222222222222223' };
const MOD = { id: '333333333333333304' };
const MANAGE_GUILD = String(1n << 5n);

function env(): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.botToken,
    APIMART_API_KEY: apimart.apiKey,
    APIMART_BASE_URL: apimart.url,
    DISCORD_API_URL: discord.apiUrl,
    STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
    LOG_LEVEL: 'info',
    DEFAULT_COOLDOWN: '0',
    DEFAULT_CONCURRENT: '1',
  };
}

async function startBot(): Promise<BotProcess> {
  const bot = spawnBot(env(), dir);
  bots.push(bot);
  await bot.waitFor('"msg":"bot started"');
  return bot;
}

function sendVideo(extra: { guildId?: string; duration?: number; user?: { id: string } } = {}) {
  const a = discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
  const options: unknown[] = [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }];
  if (extra.duration) options.push({ name: 'duration', type: 4, value: extra.duration });
  return discord.sendCommand({ name: 'video', options: options as never, attachments: [a], user: extra.user ?? USER, ...(extra.guildId ? { guildId: extra.guildId } : {}) });
}

const original = (token: string) => new RegExp(`/webhooks/\\d+/${token}/messages/@original`);
const uploadsFor = (token: string) => discord.callsTo('PATCH', original(token)).filter((c) => c.files.length > 0 && c.status < 300);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidu-restart-queue-'));
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

describe('restart while waiting', () => {
  it('kill -9 while a job waits in line: after the restart it still starts, once, when the first finishes', async () => {
    const first = await startBot();
    const guildId = discord.addGuild();
    const submitsBefore = apimart.submitCount();
    apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 30 }, { at: 5_000, status: 'completed' }], estimatedTime: 5, videoBytes: 8 * 1024 });
    const running = sendVideo({ guildId });
    await discord.waitForCall('PATCH', original(running.token), { predicate: (c) => c.status < 300 && textOf(c.body ?? {}).includes('slow pan') });
    apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 30 }, { at: 500, status: 'completed' }], estimatedTime: 1, videoBytes: 8 * 1024 });
    const waiting = sendVideo({ guildId });
    await discord.waitForCall('PATCH', original(waiting.token), { predicate: (c) => textOf(c.body ?? {}).includes('1st in line') });
    expect(await first.kill('SIGKILL')).toBeNull();
    expect(apimart.submitCount() - submitsBefore).toBe(1);

    const second = await startBot();
    const deadline = Date.now() + 30_000;
    while (uploadsFor(waiting.token).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(uploadsFor(running.token)).toHaveLength(1);
    expect(uploadsFor(waiting.token)).toHaveLength(1);
    expect(apimart.submitCount() - submitsBefore).toBe(2);
    await second.kill('SIGTERM');
  });

  it('kill -9 while a request awaits approval: after the restart its Approve button still works', async () => {
    const first = await startBot();
    const guildId = discord.addGuild();
    const approvals = discord.addChannel(guildId, { name: 'approvals' });
    const set = discord.sendCommand({
      name: 'video-limits',
      options: [{ name: 'approval', type: 1, options: [{ name: 'above_seconds', type: 4, value: 8 }, { name: 'channel', type: 7, value: approvals }] }],
      user: MOD,
      guildId,
      memberPermissions: MANAGE_GUILD,
    });
    await discord.waitForCall('POST', new RegExp(`^/interactions/${set.id}/`));
    const submitsBefore = apimart.submitCount();
    const sent = sendVideo({ guildId, duration: 10 });
    const deadline = Date.now() + 15_000;
    while (discord.channelMessages(approvals).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const post = discord.channelMessages(approvals).at(-1)!;
    const jobId = /^vidu:approve:([a-z0-9]+)$/.exec(post.components[0].components[0].custom_id)![1]!;
    expect(apimart.submitCount()).toBe(submitsBefore);
    expect(await first.kill('SIGKILL')).toBeNull();

    const second = await startBot();
    apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 30 }, { at: 500, status: 'completed' }], estimatedTime: 1, videoBytes: 8 * 1024 });
    const press = discord.sendButton({ customId: `vidu:approve:${jobId}`, messageId: post.id, user: MOD, guildId, memberPermissions: MANAGE_GUILD });
    await discord.waitForCall('PATCH', original(press.token), { predicate: (c) => String(c.body?.content).includes('Approved') });
    const until = Date.now() + 20_000;
    while (uploadsFor(sent.token).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(uploadsFor(sent.token)).toHaveLength(1);
    expect(apimart.submitCount() - submitsBefore).toBe(1);
    await second.kill('SIGTERM');
  });
});
