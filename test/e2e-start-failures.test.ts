import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApimart, type FakeApimart } from './fakes/apimart';
import { startFakeDiscord, type FakeDiscord } from './fakes/discord';
import { spawnBot, type BotProcess } from './support/bot-process';

/**
 * `npm start` with a STORE_URL that cannot be opened and written stops at once with one line naming STORE_URL,
 * even though Discord and APIMart answer: the bot must not log in and take commands it cannot record.
 */
let apimart: FakeApimart;
let discord: FakeDiscord;
let dir: string;
const bots: BotProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidu-start-'));
  apimart = await startFakeApimart();
  discord = await startFakeDiscord();
});
afterAll(async () => {
  for (const b of bots) await b.kill();
  await discord?.close();
  await apimart?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the bot until it exits by itself (or 20 s pass, which fails the test). */
async function startWith(storeUrl: string): Promise<{ code: number | null; lines: string[] }> {
  const bot = spawnBot(
    { DISCORD_TOKEN: discord.botToken, APIMART_API_KEY: apimart.apiKey, APIMART_BASE_URL: apimart.url, DISCORD_API_URL: discord.apiUrl, STORE_URL: storeUrl, LOG_LEVEL: 'info' },
    dir,
  );
  bots.push(bot);
  const code = await Promise.race([bot.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
  if (code === 'running') throw new Error(`the bot did not stop; output:\n${bot.output().slice(-2000)}`);
  return { code, lines: bot.output().trim().split('\n') };
}

describe('a STORE_URL that cannot be opened and written stops the start', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'a directory',
      () => {
        mkdirSync(join(dir, 'store-dir'), { recursive: true });
        return `sqlite://${join(dir, 'store-dir')}`;
      },
      /SQLITE_CANTOPEN/,
    ],
    [
      'a file that is not a database',
      () => {
        writeFileSync(join(dir, 'notes.sqlite'), 'not a database, just notes; '.repeat(50));
        return `sqlite://${join(dir, 'notes.sqlite')}`;
      },
      /SQLITE_NOTADB/,
    ],
    ['a Redis nobody answers at', () => 'redis://127.0.0.1:1', /ECONNREFUSED 127\.0\.0\.1:1/],
  ];

  it.each(cases)('%s: one line naming STORE_URL, exit 1, nothing asked of Discord', async (_name, url, cause) => {
    const storeUrl = url();
    const callsBefore = discord.calls.length;
    const { code, lines } = await startWith(storeUrl);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`STORE_URL=${storeUrl}`);
    expect(lines[0]).toMatch(cause);
    expect(lines[0]).not.toMatch(/Discord/);
    expect(discord.calls.length).toBe(callsBefore);
  });

  it('a password in STORE_URL is never printed', async () => {
    const { code, lines } = await startWith('redis://bot:p4ssw0rd-in-url@127.0.0.1:1');
    expect(code).toBe(1);
    expect(lines).toEqual(['Could not open the store at STORE_URL=redis://bot:***@127.0.0.1:1 (redis): connect ECONNREFUSED 127.0.0.1:1. Check STORE_URL in .env.']);
  });
});
