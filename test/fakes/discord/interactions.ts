import { randomBytes } from 'node:crypto';
import { commandIdFor } from './rest';
import { snowflakeFromTime } from './snowflake';
import { DEFAULT_INTERACTION_UPLOAD_LIMIT, DEFAULT_PERMISSIONS, type DiscordState } from './state';
import type { FakeAttachment, FakeInteraction, SendButtonOptions, SendCommandOptions } from './types';

/** The user that runs commands when a test names none. */
export const DEFAULT_USER_ID = '300000000000000001';

interface Where {
  guildId: string | null;
  channelId: string;
}

function resolveWhere(
  state: DiscordState,
  guildIdOpt: string | null | undefined,
  channelIdOpt: string | undefined,
  userId: string,
): Where {
  const guildId = guildIdOpt === undefined ? firstGuild(state) : guildIdOpt;
  if (guildId === null) {
    if (channelIdOpt && !state.channels.has(channelIdOpt)) {
      state.channels.set(channelIdOpt, { id: channelIdOpt, type: 1, guildId: null, recipientId: userId, lastMessageId: null });
    }
    return { guildId: null, channelId: channelIdOpt ?? state.dmChannelFor(userId).id };
  }
  if (!state.guilds.has(guildId)) state.addGuild(guildId);
  // A channel first named here is created (and announced by CHANNEL_CREATE) so interaction.channel resolves.
  const channelId = channelIdOpt ? state.addChannel(guildId, { id: channelIdOpt }) : state.guilds.get(guildId)!.defaultChannelId;
  return { guildId, channelId };
}

function firstGuild(state: DiscordState): string {
  const first = state.guilds.keys().next();
  return first.done ? state.addGuild() : first.value;
}

/** Interaction tokens look like Discord's: long, URL-safe, and unguessable. */
function newToken(): string {
  return `aW50ZXJhY3Rpb246${randomBytes(96).toString('base64url')}`;
}

/** The fields every interaction carries, for a guild member or a DM user. */
function commonFields(
  state: DiscordState,
  where: Where,
  userId: string,
  opts: { memberPermissions?: string; appPermissions?: string; attachmentSizeLimit?: number; locale?: string; memberRoles?: Record<string, string[]> },
): any {
  const ch = state.channels.get(where.channelId)!;
  const channel = state.apiChannel(ch);
  const out: any = {
    application_id: state.applicationId,
    version: 1,
    app_permissions: opts.appPermissions ?? DEFAULT_PERMISSIONS,
    locale: opts.locale ?? 'en-US',
    entitlements: [],
    attachment_size_limit: opts.attachmentSizeLimit ?? DEFAULT_INTERACTION_UPLOAD_LIMIT,
    channel_id: where.channelId,
  };
  if (where.guildId !== null) {
    out.guild_id = where.guildId;
    out.guild = { id: where.guildId, locale: 'en-US', features: [] };
    out.guild_locale = 'en-US';
    out.channel = { ...channel, permissions: opts.memberPermissions ?? DEFAULT_PERMISSIONS };
    out.member = { ...state.apiMember(where.guildId, userId), roles: rolesOf(state, where.guildId, userId, opts.memberRoles), permissions: opts.memberPermissions ?? DEFAULT_PERMISSIONS };
    out.authorizing_integration_owners = { '0': where.guildId };
    out.context = 0;
  } else {
    out.channel = channel;
    out.user = state.apiUser(userId);
    // A guild-installed bot used in its own DM: the guild-install owner is "0".
    out.authorizing_integration_owners = { '0': '0' };
    out.context = 1;
  }
  return out;
}

/** A member's roles as `memberRoles` gives them, each made a role of the guild first. */
function rolesOf(state: DiscordState, guildId: string, userId: string, memberRoles: Record<string, string[]> | undefined): string[] {
  const roles = memberRoles?.[userId] ?? [];
  for (const r of roles) state.addRole(guildId, r);
  return roles;
}

/** Fills data.resolved for the options that reference users, members, channels, roles and attachments. */
function resolveOptions(state: DiscordState, options: any[], guildId: string | null, extra: FakeAttachment[], memberRoles?: Record<string, string[]>): any {
  const resolved: any = {};
  const put = (kind: string, id: string, value: unknown): void => {
    resolved[kind] ??= {};
    resolved[kind][id] = value;
  };
  for (const a of extra) put('attachments', a.id, a);
  const walk = (opts: any[]): void => {
    for (const o of opts ?? []) {
      if (Array.isArray(o.options)) walk(o.options);
      const value = String(o.value ?? '');
      switch (o.type) {
        case 6:
        case 9:
          if (o.type === 9 && !state.users.has(value)) break;
          put('users', value, state.apiUser(value));
          if (guildId) put('members', value, { ...state.apiMember(guildId, value, false), roles: rolesOf(state, guildId, value, memberRoles), permissions: DEFAULT_PERMISSIONS });
          break;
        case 7: {
          const ch = state.channels.get(value);
          if (ch) put('channels', value, { ...state.apiChannel(ch), permissions: DEFAULT_PERMISSIONS });
          break;
        }
        case 8:
          if (guildId && value === guildId) put('roles', value, state.apiEveryoneRole(guildId));
          break;
        case 11:
          if (!resolved.attachments?.[value]) {
            const hosted = state.cdn.files.get(value);
            if (hosted) put('attachments', value, state.cdn.toApi(hosted));
          }
          break;
      }
    }
  };
  walk(options);
  return resolved;
}

export function buildCommand(state: DiscordState, opts: SendCommandOptions): FakeInteraction {
  const createdAt = opts.createdAt ?? Date.now();
  const user = state.ensureUser(opts.user?.id ?? DEFAULT_USER_ID, opts.user?.username);
  const where = resolveWhere(state, opts.guildId, opts.channelId, user.id);
  const id = snowflakeFromTime(createdAt);
  const token = newToken();
  const commandId = commandIdFor(state, opts.name, where.guildId);
  const data: any = { id: commandId, name: opts.name, type: 1 };
  const registered = where.guildId ? state.commands.get(where.guildId)?.get(commandId) : undefined;
  if (registered) data.guild_id = where.guildId;
  if (opts.options && opts.options.length > 0) data.options = opts.options;
  const resolved = resolveOptions(state, opts.options ?? [], where.guildId, opts.attachments ?? [], opts.memberRoles);
  if (Object.keys(resolved).length > 0) data.resolved = resolved;
  const payload = { id, token, type: 2, data, ...commonFields(state, where, user.id, opts) };
  return { ...interactionRecord(payload, createdAt, where, user.id), commandName: opts.name };
}

/** The fake's bookkeeping of a dispatched interaction, common to commands and components. */
function interactionRecord(
  payload: { id: string; token: string; type: 2 | 3; attachment_size_limit: number },
  createdAt: number,
  where: { guildId: string | null; channelId: string },
  userId: string,
): FakeInteraction {
  return {
    id: payload.id,
    token: payload.token,
    type: payload.type,
    createdAt,
    sentAt: Date.now(),
    guildId: where.guildId,
    channelId: where.channelId,
    userId,
    attachmentSizeLimit: payload.attachment_size_limit,
    ephemeral: false,
    followupIds: [],
    payload,
  };
}

export function buildButton(state: DiscordState, opts: SendButtonOptions): FakeInteraction {
  const createdAt = opts.createdAt ?? Date.now();
  const user = state.ensureUser(opts.user.id, opts.user.username);
  const stored = state.messages.get(opts.messageId);
  const guildId = opts.guildId === undefined ? (stored ? stored.guildId : undefined) : opts.guildId;
  const where = resolveWhere(state, guildId, opts.channelId ?? stored?.channelId, user.id);
  const id = snowflakeFromTime(createdAt);
  const token = newToken();
  const message = stored
    ? state.apiMessage(stored)
    : {
        id: opts.messageId,
        type: 0,
        channel_id: where.channelId,
        author: state.apiUser(state.botUser.id),
        content: '',
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        flags: 0,
        components: [],
      };
  const payload = {
    id,
    token,
    type: 3,
    data: { custom_id: opts.customId, component_type: 2 },
    message,
    ...commonFields(state, where, user.id, opts),
  };
  return { ...interactionRecord(payload, createdAt, where, user.id), customId: opts.customId, componentMessageId: opts.messageId };
}
