/** Discord's epoch (2015-01-01T00:00:00Z): snowflakes count milliseconds from here. */
export const DISCORD_EPOCH = 1420070400000n;

let increment = 0n;

/**
 * A snowflake whose timestamp is `ms`. The low bits carry a rolling counter so that ids made in the same
 * millisecond stay unique and ordered, as Discord's do.
 */
export function snowflakeFromTime(ms: number): string {
  increment = (increment + 1n) & 0xfffn;
  const stamp = BigInt(Math.floor(ms)) - DISCORD_EPOCH;
  if (stamp < 0n) throw new RangeError(`time ${ms} is before Discord's epoch`);
  return ((stamp << 22n) | (1n << 17n) | increment).toString();
}

export function newSnowflake(): string {
  return snowflakeFromTime(Date.now());
}

export function timeFromSnowflake(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** The shard that receives a guild's events: `(guild_id >> 22) % shard_count`. */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
