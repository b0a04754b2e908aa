import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

const base = { DISCORD_TOKEN: 'discord-token-SECRET', APIMART_API_KEY: 'apimart-key-SECRET' };
const fail = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      apimartBaseUrl: 'https://api.apimart.ai',
      discordApiUrl: 'https://discord.com/api',
      storeUrl: 'sqlite://data/vidu-bot.sqlite',
      logLevel: 'info',
      apimartMaxRps: 20,
      devGuildId: undefined,
      healthPort: undefined,
      shardIds: undefined,
    });
    expect(c.defaultLimits).toEqual({ dailyVideos: 10, dailySeconds: 120, concurrent: 2, cooldown: 30 });
    expect(c.refLimits).toEqual({ perMember: 10, perServer: 50 });
  });

  it('reads the saved-set bounds', () => {
    expect(loadConfig({ ...base, REFS_PER_MEMBER: '3', REFS_PER_SERVER: '0' }).refLimits).toEqual({ perMember: 3, perServer: 0 });
  });

  it('exempts from the address guard only the hosts of the configured base URLs, port included', () => {
    expect(loadConfig(base).trustedFetchHosts).toEqual(['api.apimart.ai', 'discord.com']);
    expect(loadConfig({ ...base, APIMART_BASE_URL: 'http://127.0.0.1:4000/', DISCORD_API_URL: 'http://127.0.0.1:5000/api' }).trustedFetchHosts).toEqual(['127.0.0.1:4000', '127.0.0.1:5000']);
  });

  it('names a missing required variable in one line, and treats blank as missing', () => {
    expect(fail({ APIMART_API_KEY: 'k' })).toBe('Configuration error: DISCORD_TOKEN is required');
    expect(fail({ ...base, APIMART_API_KEY: '  ' })).toBe('Configuration error: APIMART_API_KEY is required');
  });

  it.each([
    ['APIMART_MAX_RPS', 'fast', 'APIMART_MAX_RPS must be a whole number'],
    ['APIMART_MAX_RPS', '0', 'APIMART_MAX_RPS must be at least 1'],
    ['APIMART_BASE_URL', 'ftp://x', 'APIMART_BASE_URL must start with http:// or https://'],
    ['STORE_URL', 'mysql://x', 'STORE_URL must be sqlite://<path>, redis://host:port or memory:'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of'],
    ['DEV_GUILD_ID', 'abc', 'DEV_GUILD_ID must be a Discord id'],
    ['SHARD_IDS', '0;1', 'SHARD_IDS must be comma-separated shard numbers'],
    ['REFS_PER_MEMBER', '1001', 'REFS_PER_MEMBER must be at most 1000'],
    ['REFS_PER_SERVER', 'many', 'REFS_PER_SERVER must be a whole number'],
  ])('%s=%s is refused with a message naming it', (name, value, message) => {
    const msg = fail({ ...base, [name]: value });
    expect(msg).toContain(message);
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('never echoes a secret', () => {
    const msg = fail({ ...base, HEALTH_PORT: 'discord-token-SECRET' });
    expect(msg).not.toContain('SECRET');
  });

  it('checks SHARD_IDS against SHARD_COUNT', () => {
    expect(fail({ ...base, SHARD_COUNT: '2', SHARD_IDS: '1,2' })).toContain('SHARD_IDS 2 must be below SHARD_COUNT (2)');
    expect(loadConfig({ ...base, SHARD_COUNT: '4', SHARD_IDS: '2,3' }).shardIds).toEqual([2, 3]);
  });

  it('strips a trailing slash from base URLs', () => {
    expect(loadConfig({ ...base, DISCORD_API_URL: 'http://127.0.0.1:9/api/' }).discordApiUrl).toBe('http://127.0.0.1:9/api');
  });
});
