import { LIMIT_NAMES, nextUtcMidnight, type Effective, type LimitName, type UsageSnapshot } from '../limits/policy';
import type { ServerCaps } from '../validation';
import { discordTime } from '../util/discord-time';

/** Text of /video-limits and /video-usage. Pure. */

export const LIMIT_LABELS: Record<LimitName, string> = {
  dailyVideos: 'Videos per day',
  dailySeconds: 'Seconds of video per day',
  concurrent: 'Videos at once',
  cooldown: 'Cooldown between videos',
};

function value(name: LimitName, v: number): string {
  if (name === 'cooldown') return v === 0 ? 'none' : `${v} s`;
  if (name === 'dailySeconds') return `${v} s`;
  return String(v);
}

function used(name: LimitName, u: UsageSnapshot): number | undefined {
  return name === 'dailyVideos' ? u.videos : name === 'dailySeconds' ? u.seconds : name === 'concurrent' ? u.active.length : undefined;
}

const resetLine = (now: number) => {
  const at = nextUtcMidnight(now);
  return `Daily limits reset ${discordTime(at)} (${discordTime(at, 'f')}, midnight UTC).`;
};

/** Effective limits with where each comes from, and today's usage when given. */
export function describeLimits(title: string, eff: Effective, usage: UsageSnapshot | undefined, now: number): string {
  const lines = [`**${title}**`];
  for (const name of LIMIT_NAMES) {
    const limit = eff.values[name];
    const u = usage && used(name, usage);
    const usagePart = u === undefined ? '' : ` · used ${value(name, u)}, ${value(name, Math.max(0, limit - u))} left`;
    lines.push(`• ${LIMIT_LABELS[name]}: **${value(name, limit)}** (${eff.sources[name]})${usagePart}`);
  }
  if (usage && eff.values.cooldown > 0 && usage.lastSubmitAt) {
    const until = usage.lastSubmitAt + eff.values.cooldown * 1000;
    if (until > now) lines.push(`• Next video possible ${discordTime(Math.ceil(until / 1000) * 1000)}`);
  }
  lines.push(resetLine(now));
  return lines.join('\n');
}

export function describeCaps(caps: ServerCaps): string {
  return [
    '**Server caps**',
    `• Longest video: ${caps.maxDuration ? `${caps.maxDuration} s` : 'no cap'}`,
    `• Highest resolution: ${caps.maxResolution ?? 'no cap'}`,
    `• Models: ${caps.models?.length ? caps.models.join(', ') : 'all'}`,
  ].join('\n');
}

/** /video-usage: used and remaining per limit, and when it resets. */
export function describeUsage(eff: Effective, usage: UsageSnapshot, now: number): string {
  return describeLimits('Your video usage today', eff, usage, now);
}
