import { z } from 'zod';
import type { KV } from '../store/kv';
import type { CapsPatch } from '../validation/caps';
import { KeyedMutex } from '../util/keyed-mutex';
import { UserError, type UserReason } from '../util/user-error';
import {
  emptyServerSettings,
  memberOverrideSchema,
  serverSettingsSchema,
  serverSettingsV2,
  type AuditFailure,
  type LimitName,
  type PartialLimits,
  type ServerSettings,
} from './policy';

/** `undefined` leaves a value as it is, `null` removes it (back to the next level's value). */
export type LimitsPatch = { [K in LimitName]?: number | null };

/** One moderator's change of the server record; each part is one /video-limits subcommand's. */
export interface ServerSettingsPatch {
  defaults?: LimitsPatch;
  caps?: CapsPatch;
  /** A role's limits patched; `limits: null` removes the role's limits altogether. */
  role?: { roleId: string; limits: LimitsPatch | null };
  channel?: { channelId: string; allowed: boolean };
  budget?: { dailySeconds?: number | null; monthlySeconds?: number | null };
  serverConcurrent?: number | null;
  /** The audit channel set (any earlier failure forgotten: the moderator may have fixed it), or null: off. */
  audit?: { channelId: string } | null;
  /** Approval thresholds (null removes one) and channel; with no threshold left, approval is off. */
  approval?: { aboveSeconds?: number | null; atResolution?: '1080p' | null; channelId?: string };
}

/** A change as stored: what was there before and what is there now, for the reply and the audit post. */
export interface SettingsChange<T> {
  before: T;
  after: T;
}

/**
 * Thrown when a stored settings record cannot be read. A moderator's `set` (or, for a member, `reset`) replaces
 * it, so the member and the moderator are told that, as written (UserError), instead of "Something went wrong".
 */
export class LimitRecordError extends UserError {
  constructor(readonly key: string, reason: UserReason, cause: unknown) {
    super(reason, `limits record ${key} failed its schema`, { cause });
    this.name = 'LimitRecordError';
  }
}

function merge<T extends object>(base: T, patch: { [K in keyof T]?: T[K] | null } | undefined): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as T;
}

function applyServerPatch(current: ServerSettings, patch: ServerSettingsPatch): ServerSettings {
  const next: ServerSettings = {
    ...current,
    defaults: merge(current.defaults, patch.defaults),
    caps: merge(current.caps, patch.caps),
    budget: merge(current.budget, patch.budget),
    roles: { ...current.roles },
    channels: { ...current.channels },
  };
  if (patch.role) {
    const limits = patch.role.limits === null ? {} : merge(current.roles[patch.role.roleId] ?? {}, patch.role.limits);
    if (Object.keys(limits).length) next.roles[patch.role.roleId] = limits;
    else delete next.roles[patch.role.roleId];
  }
  if (patch.channel) next.channels[patch.channel.channelId] = patch.channel.allowed;
  if (patch.serverConcurrent === null) delete next.serverConcurrent;
  else if (patch.serverConcurrent !== undefined) next.serverConcurrent = patch.serverConcurrent;
  if (patch.audit === null) delete next.audit;
  else if (patch.audit) next.audit = { channelId: patch.audit.channelId };
  if (patch.approval) {
    const { channelId, ...thresholds } = patch.approval;
    const merged = merge({ ...current.approval }, { ...thresholds, ...(channelId ? { channelId } : {}) });
    if (merged.channelId && (merged.aboveSeconds !== undefined || merged.atResolution !== undefined)) next.approval = { ...merged, channelId: merged.channelId };
    else delete next.approval;
  }
  return next;
}

/**
 * Server settings (defaults, caps, roles, channels, budget, audit channel) and member overrides. Unlike usage,
 * a damaged settings record is not read as empty: that would silently lift a member's block
 * (`daily_videos:0`) or a server's caps. A guild's settings are written from the shard that owns the guild
 * (docs/architecture.md, sharding), so a lock in the process orders its writes.
 */
export class LimitSettings {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly kv: KV) {}

  static serverKey(guildId: string): string {
    return `limits:server:${guildId}`;
  }

  static memberKey(guildId: string, userId: string): string {
    return `limits:member:${guildId}:${userId}`;
  }

  async getServer(guildId: string): Promise<ServerSettings | undefined> {
    return this.read(LimitSettings.serverKey(guildId), serverSettingsSchema, { code: 'limits_server_record_damaged' });
  }

  /**
   * Validates the merged result; an out-of-range value throws a ZodError and nothing is written. A version 1
   * record is written back as version 2. Returns the record before and after.
   */
  async setServer(guildId: string, patch: ServerSettingsPatch): Promise<SettingsChange<ServerSettings>> {
    return this.updateServer(guildId, (current) => applyServerPatch(current, patch));
  }

  /** The audit channel refused a post: stop posting there until it is set again, and tell a moderator once. */
  async auditFailed(guildId: string, failure: Omit<AuditFailure, 'reported'>, reported: boolean): Promise<void> {
    await this.updateServer(guildId, (current) =>
      current.audit?.channelId === failure.channelId ? { ...current, audit: { channelId: failure.channelId, failure: { ...failure, reported } } } : current,
    );
  }

  /** The audit failure no moderator was told about yet, now marked as told. */
  async takeAuditFailure(guildId: string): Promise<AuditFailure | undefined> {
    const current = await this.getServer(guildId);
    const failure = current?.audit?.failure;
    if (!failure || failure.reported) return undefined;
    await this.updateServer(guildId, (s) => (s.audit?.failure ? { ...s, audit: { ...s.audit, failure: { ...s.audit.failure, reported: true } } } : s));
    return failure;
  }

  private async updateServer(guildId: string, change: (current: ServerSettings) => ServerSettings): Promise<SettingsChange<ServerSettings>> {
    const key = LimitSettings.serverKey(guildId);
    return this.mutex.run(key, async () => {
      const before = (await this.read(key, serverSettingsSchema)) ?? emptyServerSettings();
      const after = serverSettingsV2.parse(change(before));
      await this.kv.set(key, after);
      return { before, after };
    });
  }

  async getMember(guildId: string, userId: string): Promise<PartialLimits | undefined> {
    return (await this.read(LimitSettings.memberKey(guildId, userId), memberOverrideSchema, { code: 'limits_member_record_damaged', userId }))?.limits;
  }

  /** Returns the override before and now in force; clearing its last value removes the record. */
  async setMember(guildId: string, userId: string, patch: LimitsPatch): Promise<SettingsChange<PartialLimits>> {
    const key = LimitSettings.memberKey(guildId, userId);
    return this.mutex.run(key, async () => {
      const before = (await this.read(key, memberOverrideSchema))?.limits ?? {};
      const next = memberOverrideSchema.parse({ v: 1, limits: merge(before, patch) });
      if (Object.keys(next.limits).length === 0) await this.kv.delete(key);
      else await this.kv.set(key, next);
      return { before, after: next.limits };
    });
  }

  /** Returns the override that was cleared. */
  async clearMember(guildId: string, userId: string): Promise<PartialLimits> {
    const key = LimitSettings.memberKey(guildId, userId);
    return this.mutex.run(key, async () => {
      const before = (await this.read(key, memberOverrideSchema))?.limits ?? {};
      await this.kv.delete(key);
      return before;
    });
  }

  /** Without `damaged`, a damaged record reads as empty: that is how a `set` replaces it. */
  private async read<S extends z.ZodType>(key: string, schema: S, damaged?: UserReason): Promise<z.infer<S> | undefined> {
    const raw = await this.kv.get(key);
    if (raw === undefined) return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    if (!damaged) return undefined;
    throw new LimitRecordError(key, damaged, parsed.error);
  }
}
