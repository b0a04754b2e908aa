import { LIMIT_NAMES, nextUtcMidnight, type Effective, type LimitName, type UsageSnapshot } from '../limits/policy';
import type { ServerCaps } from '../validation';
import { en, type Messages } from './messages';
import type { CountedLimit } from './messages/types';

/** Text of /video-limits and /video-usage: the layout here, the words in the catalogue. Pure. */

const USED: Record<CountedLimit, (u: UsageSnapshot) => number> = { dailyVideos: (u) => u.videos, dailySeconds: (u) => u.seconds, concurrent: (u) => u.active.length };
const isCounted = (name: LimitName): name is CountedLimit => name in USED;

/** Effective limits with where each comes from, and today's usage when given. */
export function describeLimits(title: string, eff: Effective, usage: UsageSnapshot | undefined, now: number, m: Messages = en): string {
  const value = (limit: LimitName, v: number) => m.limits.value({ limit, value: v });
  const lines = [`**${title}**`];
  for (const name of LIMIT_NAMES) {
    const limit = eff.values[name];
    const u = usage && isCounted(name) ? { limit: name, used: USED[name](usage) } : undefined;
    const usagePart = u ? m.limits.usage({ ...u, left: Math.max(0, limit - u.used) }) : '';
    lines.push(`• ${m.limits.line({ label: m.limits.label[name], value: value(name, limit), source: m.limits.source[eff.sources[name]] })}${usagePart}`);
  }
  if (usage && eff.values.cooldown > 0 && usage.lastSubmitAt) {
    const until = usage.lastSubmitAt + eff.values.cooldown * 1000;
    if (until > now) lines.push(`• ${m.limits.nextVideo({ at: Math.ceil(until / 1000) * 1000 })}`);
  }
  lines.push(m.limits.resets({ at: nextUtcMidnight(now) }));
  return lines.join('\n');
}

export function describeCaps(caps: ServerCaps, m: Messages = en): string {
  return [
    `**${m.limits.capsTitle}**`,
    `• ${m.limits.capDuration({ maxDuration: caps.maxDuration })}`,
    `• ${m.limits.capResolution({ maxResolution: caps.maxResolution })}`,
    `• ${m.limits.capModels({ models: caps.models })}`,
  ].join('\n');
}

/** /video-usage: used and remaining per limit, and when it resets. */
export function describeUsage(eff: Effective, usage: UsageSnapshot, now: number, m: Messages = en): string {
  return describeLimits(m.limits.usageTitle, eff, usage, now, m);
}
