import { LIMIT_NAMES, nextUtcMidnight, nextUtcMonth, type Budget, type Effective, type LimitName, type PartialLimits, type ServerSettings, type UsageSnapshot } from '../limits/policy';
import type { ServerUsage } from '../limits/budget';
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
    const roleId = eff.sources[name] === 'role' ? eff.roles[name] : undefined;
    const source = roleId ? m.limits.fromRole({ roleId }) : m.limits.source[eff.sources[name]];
    lines.push(`• ${m.limits.line({ label: m.limits.label[name], value: value(name, limit), source })}${usagePart}`);
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

/** One role's (or member's) own limits, as set: only the values given. */
function ownLimits(limits: PartialLimits, m: Messages): string {
  return LIMIT_NAMES.filter((n) => limits[n] !== undefined)
    .map((n) => `${m.limits.label[n]} **${m.limits.value({ limit: n, value: limits[n]! })}**`)
    .join(', ');
}

export function describeRole(roleId: string, limits: PartialLimits | undefined, m: Messages = en): string {
  if (!limits || !Object.keys(limits).length) return m.limits.roleCleared({ roleId });
  return `**${m.limits.roleTitle({ roleId })}**\n• ${ownLimits(limits, m)}`;
}

function describeBudget(budget: Budget, usage: ServerUsage, now: number, m: Messages): string[] {
  return [
    `• ${m.limits.budgetDay({ used: usage.daySeconds, max: budget.dailySeconds, resetAt: nextUtcMidnight(now) })}`,
    `• ${m.limits.budgetMonth({ used: usage.monthSeconds, max: budget.monthlySeconds, resetAt: nextUtcMonth(now) })}`,
  ];
}

/** What `/video-limits show` adds for the server: role limits, channels, budget, server-wide concurrency, audit. */
export function describeServerSettings(s: ServerSettings, usage: ServerUsage, now: number, m: Messages = en): string {
  const roles = Object.entries(s.roles);
  const allowed = Object.entries(s.channels).filter(([, ok]) => ok).map(([id]) => id);
  const refused = Object.entries(s.channels).filter(([, ok]) => !ok).map(([id]) => id);
  const channels = allowed.length ? m.limits.channelsOnly({ channelIds: allowed }) : refused.length ? m.limits.channelsExcept({ channelIds: refused }) : m.limits.channelsEverywhere;
  return [
    `**${m.limits.rolesTitle}**`,
    ...(roles.length ? roles.map(([roleId, limits]) => `• ${m.limits.roleLine({ roleId, limits: ownLimits(limits, m) })}`) : [`• ${m.limits.noRoles}`]),
    `**${m.limits.channelsTitle}**`,
    `• ${channels}`,
    `**${m.limits.budgetTitle}**`,
    ...describeBudget(s.budget, usage, now, m),
    `• ${m.limits.serverConcurrent({ active: usage.active.length, max: s.serverConcurrent })}`,
    `• ${m.limits.auditChannel({ channelId: s.audit?.channelId })}`,
    `• ${m.approval.settings({ aboveSeconds: s.approval?.aboveSeconds, atResolution: s.approval?.atResolution, channelId: s.approval?.channelId })}`,
  ].join('\n');
}

/** /video-usage: used and remaining per limit, and when it resets; the server's budget when it has one. */
export function describeUsage(eff: Effective, usage: UsageSnapshot, now: number, server?: { budget: Budget; usage: ServerUsage }, m: Messages = en): string {
  const own = describeLimits(m.limits.usageTitle, eff, usage, now, m);
  if (!server || (server.budget.dailySeconds === undefined && server.budget.monthlySeconds === undefined)) return own;
  return [own, `**${m.limits.serverBudgetTitle}**`, ...describeBudget(server.budget, server.usage, now, m)].join('\n');
}
