import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors, expectedVideoBytes, startFakeApimart, type FakeApimart } from './fakes/apimart';
import { startFakeDiscord, type FakeDiscord } from './fakes/discord';
import { killAll, spawnBot, type BotProcess } from './support/bot-process';
import { pngHeader } from './support/images';

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

function sendVideo() {
  const a = discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
  return discord.sendCommand({ name: 'video', options: [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }], attachments: [a], user: { id: '222222222222222222' } });
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
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 10_000;
      const tick = () => (apimart.submitCount() > submitsBefore ? resolve() : Date.now() > deadline ? reject(new Error('no submit')) : setTimeout(tick, 20));
      tick();
    });
    await first.kill('SIGKILL');

    const second = await startBot();
    expect(second.output()).toMatch(/"unconfirmed":1/);
    await discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { predicate: (c) => String(c.body?.content).includes('did not confirm') });
    await new Promise((r) => setTimeout(r, 500));
    expect(apimart.submitCount() - submitsBefore).toBe(1);
    await second.kill('SIGTERM');
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
    expect(discord.callsTo('PUT', route)[0]!.body.map((c: { name: string }) => c.name)).toEqual(['video', 'video-limits', 'video-usage', 'video-refs', 'video-history', 'video-stats']);
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
