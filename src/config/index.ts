import { z } from 'zod';

/**
 * Environment -> typed config. Everything the bot reads from `process.env` passes through here, so
 * `.env.example` and this schema are the whole list.
 */

const intFrom = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .url(`${name} must be a URL`)
    .refine((u) => /^https?:\/\//.test(u), `${name} must start with http:// or https://`)
    .transform((u) => u.replace(/\/+$/, ''));

const storeUrl = z
  .string()
  .trim()
  .refine((u) => /^(sqlite:\/\/.+|redis:\/\/.+|rediss:\/\/.+|memory:)$/.test(u), {
    message: 'STORE_URL must be sqlite://<path>, redis://host:port or memory:',
  });

const shardIds = z
  .string()
  .trim()
  .regex(/^\d+(,\d+)*$/, 'SHARD_IDS must be comma-separated shard numbers, e.g. 0,1')
  .transform((s) => [...new Set(s.split(',').map(Number))]);

const snowflake = (name: string) => z.string().trim().regex(/^\d{17,20}$/, `${name} must be a Discord id (17-20 digits)`);

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const envSchema = z
  .object({
    DISCORD_TOKEN: z.string().trim().min(1, 'DISCORD_TOKEN is required'),
    APIMART_API_KEY: z.string().trim().min(1, 'APIMART_API_KEY is required'),
    APIMART_BASE_URL: httpUrl('APIMART_BASE_URL').default('https://api.apimart.ai'),
    DISCORD_API_URL: httpUrl('DISCORD_API_URL').default('https://discord.com/api'),
    STORE_URL: storeUrl.default('sqlite://data/vidu-bot.sqlite'),
    DEV_GUILD_ID: snowflake('DEV_GUILD_ID').optional(),
    DEFAULT_DAILY_VIDEOS: intFrom('DEFAULT_DAILY_VIDEOS', 0, 100_000).default(10),
    DEFAULT_DAILY_SECONDS: intFrom('DEFAULT_DAILY_SECONDS', 0, 10_000_000).default(120),
    DEFAULT_CONCURRENT: intFrom('DEFAULT_CONCURRENT', 1, 1000).default(2),
    DEFAULT_COOLDOWN: intFrom('DEFAULT_COOLDOWN', 0, 86_400).default(30),
    LOG_LEVEL: z.enum(levels, { message: `LOG_LEVEL must be one of ${levels.join(', ')}` }).default('info'),
    // The ceiling of the learnt rate (src/apimart/gate.ts starts at 5/s and finds what APIMart allows under it);
    // 20 is what bench/budget.ts shows 1,000 jobs need for a lag p99 under a second (.env.example says why).
    APIMART_MAX_RPS: intFrom('APIMART_MAX_RPS', 1, 1000).default(20),
    SHARD_COUNT: intFrom('SHARD_COUNT', 1, 10_000).optional(),
    SHARD_IDS: shardIds.optional(),
    HEALTH_PORT: intFrom('HEALTH_PORT', 1, 65_535).optional(),
    REFS_PER_MEMBER: intFrom('REFS_PER_MEMBER', 0, 1000).default(10),
    REFS_PER_SERVER: intFrom('REFS_PER_SERVER', 0, 10_000).default(50),
  })
  .superRefine((env, ctx) => {
    if (env.SHARD_IDS && env.SHARD_COUNT !== undefined) {
      const bad = env.SHARD_IDS.filter((id) => id >= env.SHARD_COUNT!);
      if (bad.length) ctx.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: `SHARD_IDS ${bad.join(',')} must be below SHARD_COUNT (${env.SHARD_COUNT})` });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  discordToken: string;
  apimartApiKey: string;
  apimartBaseUrl: string;
  discordApiUrl: string;
  /**
   * Hosts (URL.host) of APIMART_BASE_URL and DISCORD_API_URL: outside URLs on these are fetched without the
   * address guard (util/net-guard.ts), since the operator chose them, e.g. a proxy or the fakes on 127.0.0.1.
   */
  trustedFetchHosts: string[];
  storeUrl: string;
  devGuildId: string | undefined;
  defaultLimits: { dailyVideos: number; dailySeconds: number; concurrent: number; cooldown: number };
  logLevel: (typeof levels)[number];
  apimartMaxRps: number;
  shardCount: number | undefined;
  shardIds: number[] | undefined;
  healthPort: number | undefined;
  /** Saved reference sets (/video-refs) one member, one server may keep. */
  refLimits: { perMember: number; perServer: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Empty strings count as unset: `.env` files often carry `NAME=` placeholders. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

/**
 * Parses the environment. Throws a ConfigError whose message is one line naming the first bad variable;
 * values are never echoed, since most of them are secrets or could be.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutBlanks(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const message = issue.code === 'invalid_type' ? `${name} is required` : issue.message;
    throw new ConfigError(`Configuration error: ${message.includes(name) ? message : `${name}: ${message}`}`);
  }
  const e = parsed.data;
  return {
    discordToken: e.DISCORD_TOKEN,
    apimartApiKey: e.APIMART_API_KEY,
    apimartBaseUrl: e.APIMART_BASE_URL,
    discordApiUrl: e.DISCORD_API_URL,
    trustedFetchHosts: [...new Set([e.APIMART_BASE_URL, e.DISCORD_API_URL].map((u) => new URL(u).host))],
    storeUrl: e.STORE_URL,
    devGuildId: e.DEV_GUILD_ID,
    defaultLimits: {
      dailyVideos: e.DEFAULT_DAILY_VIDEOS,
      dailySeconds: e.DEFAULT_DAILY_SECONDS,
      concurrent: e.DEFAULT_CONCURRENT,
      cooldown: e.DEFAULT_COOLDOWN,
    },
    logLevel: e.LOG_LEVEL,
    apimartMaxRps: e.APIMART_MAX_RPS,
    shardCount: e.SHARD_COUNT,
    shardIds: e.SHARD_IDS,
    healthPort: e.HEALTH_PORT,
    refLimits: { perMember: e.REFS_PER_MEMBER, perServer: e.REFS_PER_SERVER },
  };
}
