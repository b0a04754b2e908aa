import { LIMIT_NAMES, type AuditFailure, type BudgetRefusal, type LimitName, type PartialLimits, type ServerSettings } from './policy';

/**
 * What the moderators' audit channel is told, as data (the words: src/discord/messages/), and the port that
 * posts it (src/discord/audit.ts). Limit changes name who changed what, before -> after.
 */

export type AuditTarget =
  | { kind: 'server' }
  | { kind: 'member'; userId: string }
  | { kind: 'role'; roleId: string }
  | { kind: 'channel'; channelId: string };

export type SettingName = LimitName | 'maxDuration' | 'maxResolution' | 'models' | 'serverConcurrent' | 'budgetDaily' | 'budgetMonthly' | 'allowed' | 'auditChannel' | 'approvalAbove' | 'approvalResolution' | 'approvalChannel';
export type SettingValue = number | string | boolean | readonly string[] | null;

export interface AuditChange {
  target: AuditTarget;
  setting: SettingName;
  /** null: not set (the next level's value applies). */
  before: SettingValue;
  after: SettingValue;
}

export type AuditEntry =
  | { kind: 'limits_changed'; moderatorId: string; changes: AuditChange[] }
  | { kind: 'member_reset'; moderatorId: string; userId: string; changes: AuditChange[] }
  | { kind: 'budget_refused'; userId: string; channelId: string | null; refusal: BudgetRefusal }
  /** A moderator's Approve or Deny of a request over the approval threshold; moderatorId null: it timed out. */
  | { kind: 'approval'; decision: 'approved' | 'denied'; moderatorId: string | null; userId: string; jobId: string; request: { model: string; duration: number; resolution: string } };

/** The audit log as the command handlers use it. */
export interface AuditPort {
  /**
   * Posts to the server's audit channel, if one is set and works; never throws (what it reports already happened).
   * `guildLocale`: the server's preferred language (Discord's `guildLocale`), which the post is written in.
   */
  post(guildId: string, entry: AuditEntry, guildLocale?: string | null): Promise<void>;
  /** A failure of the audit channel no moderator was told about yet (and from now on, told); never throws. */
  takeFailure(guildId: string): Promise<AuditFailure | undefined>;
}

type Flat = Map<string, { target: AuditTarget; setting: SettingName; value: SettingValue }>;

function putLimits(out: Flat, prefix: string, target: AuditTarget, limits: PartialLimits | undefined): void {
  for (const name of LIMIT_NAMES) {
    const v = limits?.[name];
    if (v !== undefined) out.set(`${prefix}.${name}`, { target, setting: name, value: v });
  }
}

function flatten(s: ServerSettings): Flat {
  const out: Flat = new Map();
  const server: AuditTarget = { kind: 'server' };
  putLimits(out, 'server', server, s.defaults);
  const put = (setting: SettingName, value: SettingValue | undefined) => value !== undefined && out.set(`server.${setting}`, { target: server, setting, value });
  put('maxDuration', s.caps.maxDuration);
  put('maxResolution', s.caps.maxResolution);
  put('models', s.caps.models);
  put('serverConcurrent', s.serverConcurrent);
  put('budgetDaily', s.budget.dailySeconds);
  put('budgetMonthly', s.budget.monthlySeconds);
  put('auditChannel', s.audit?.channelId);
  put('approvalAbove', s.approval?.aboveSeconds);
  put('approvalResolution', s.approval?.atResolution);
  put('approvalChannel', s.approval?.channelId);
  for (const [roleId, limits] of Object.entries(s.roles)) putLimits(out, `role:${roleId}`, { kind: 'role', roleId }, limits);
  for (const [channelId, allowed] of Object.entries(s.channels)) out.set(`channel:${channelId}`, { target: { kind: 'channel', channelId }, setting: 'allowed', value: allowed });
  return out;
}

function diff(before: Flat, after: Flat): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    if (JSON.stringify(b?.value) === JSON.stringify(a?.value)) continue;
    const { target, setting } = (a ?? b)!;
    changes.push({ target, setting, before: b?.value ?? null, after: a?.value ?? null });
  }
  return changes;
}

/** What a change of the server record changed, one entry per value (the audit failure state is no setting). */
export function serverChanges(before: ServerSettings, after: ServerSettings): AuditChange[] {
  return diff(flatten(before), flatten(after));
}

export function memberChanges(userId: string, before: PartialLimits, after: PartialLimits): AuditChange[] {
  const target: AuditTarget = { kind: 'member', userId };
  const flat = (l: PartialLimits) => {
    const out: Flat = new Map();
    putLimits(out, 'member', target, l);
    return out;
  };
  return diff(flat(before), flat(after));
}
