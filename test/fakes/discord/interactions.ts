import { randomBytes } from 'node:crypto';
import { commandIdFor } from './rest';
import { snowflakeFromTime } from './snowflake';
import { DEFAULT_INTERACTION_UPLOAD_LIMIT, DEFAULT_PERMISSIONS, type DiscordState } from './state';
import { modalInputs } from './components';
import type {
  FakeAttachment,
  FakeInteraction,
  InteractionOrigin,
  SendAutocompleteOptions,
  SendButtonOptions,
  SendCommandOptions,
  SendMessageCommandOptions,
  SubmitModalOptions,
  UploadSpec,
} from './types';

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
function commonFields(state: DiscordState, where: Where, userId: string, opts: InteractionOrigin): any {
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
    if (opts.roles) state.setMemberRoles(where.guildId, userId, opts.roles);
    const guildLocale = opts.guildLocale ?? state.guild(where.guildId).locale;
    out.guild_id = where.guildId;
    out.guild = { id: where.guildId, locale: guildLocale, features: [] };
    out.guild_locale = guildLocale;
    out.channel = { ...channel, permissions: opts.memberPermissions ?? DEFAULT_PERMISSIONS };
    out.member = { ...state.apiMember(where.guildId, userId), permissions: opts.memberPermissions ?? DEFAULT_PERMISSIONS };
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

/** Fills data.resolved for the options that reference users, members, channels, roles and attachments. */
function resolveOptions(state: DiscordState, options: any[], guildId: string | null, extra: FakeAttachment[]): any {
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
          if (guildId) put('members', value, { ...state.apiMember(guildId, value, false), permissions: DEFAULT_PERMISSIONS });
          break;
        case 7: {
          const ch = state.channels.get(value);
          if (ch) put('channels', value, { ...state.apiChannel(ch), permissions: DEFAULT_PERMISSIONS });
          break;
        }
        case 8: {
          const role = guildId ? state.apiRole(guildId, value) : undefined;
          if (role) put('roles', value, role);
          break;
        }
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
  const data = commandData(state, opts.name, 1, where.guildId);
  if (opts.options && opts.options.length > 0) data.options = opts.options;
  const resolved = resolveOptions(state, opts.options ?? [], where.guildId, opts.attachments ?? []);
  if (Object.keys(resolved).length > 0) data.resolved = resolved;
  const payload = { id, token, type: 2 as const, data, ...commonFields(state, where, user.id, opts) };
  return { ...interactionRecord(payload, createdAt, where, user.id), commandName: opts.name, commandType: 1 };
}

/** `data` common to application commands: the registered command's id (and guild) when there is one. */
function commandData(state: DiscordState, name: string, type: 1 | 2 | 3, guildId: string | null): any {
  const commandId = commandIdFor(state, name, guildId, type);
  const data: any = { id: commandId, name, type };
  if (guildId && state.commands.get(guildId)?.get(commandId)) data.guild_id = guildId;
  return data;
}

/** A message context-menu command: no options; the target message in data.resolved.messages. */
export function buildMessageCommand(state: DiscordState, opts: SendMessageCommandOptions): FakeInteraction {
  const target = state.messages.get(opts.messageId);
  if (!target || target.deleted) throw new Error(`unknown message ${opts.messageId}: post it with addMessage first`);
  if ((target.flags ?? 0) & (1 << 6)) throw new Error('an ephemeral message has no context menu for other apps');
  const createdAt = opts.createdAt ?? Date.now();
  const user = state.ensureUser(opts.user?.id ?? DEFAULT_USER_ID, opts.user?.username);
  const where = resolveWhere(state, opts.guildId === undefined ? target.guildId : opts.guildId, opts.channelId ?? target.channelId, user.id);
  const data = commandData(state, opts.name, 3, where.guildId);
  data.target_id = target.id;
  data.resolved = { messages: { [target.id]: state.apiMessage(target) } };
  const payload = { id: snowflakeFromTime(createdAt), token: newToken(), type: 2 as const, data, ...commonFields(state, where, user.id, opts) };
  return { ...interactionRecord(payload, createdAt, where, user.id), commandName: opts.name, commandType: 3 };
}

/** An autocomplete request (type 4): the options typed so far, one of them focused. */
export function buildAutocomplete(state: DiscordState, opts: SendAutocompleteOptions): FakeInteraction {
  const focused: any[] = [];
  const walk = (list: any[]): void => {
    for (const o of list ?? []) {
      if (o.focused) focused.push(o);
      if (Array.isArray(o.options)) walk(o.options);
    }
  };
  walk(opts.options);
  if (focused.length !== 1) throw new Error(`an autocomplete request has exactly one focused option (got ${focused.length})`);
  const createdAt = opts.createdAt ?? Date.now();
  const user = state.ensureUser(opts.user?.id ?? DEFAULT_USER_ID, opts.user?.username);
  const where = resolveWhere(state, opts.guildId, opts.channelId, user.id);
  const data = commandData(state, opts.name, 1, where.guildId);
  data.options = opts.options;
  const payload = { id: snowflakeFromTime(createdAt), token: newToken(), type: 4 as const, data, ...commonFields(state, where, user.id, opts) };
  return { ...interactionRecord(payload, createdAt, where, user.id), commandName: opts.name, commandType: 1 };
}

/**
 * The MODAL_SUBMIT (type 5) of a shown modal, with the values the member entered. Throws where Discord's
 * client would not let the member submit: no such modal shown, already submitted, a required input empty,
 * a value outside the input's limits or options.
 */
export function buildModalSubmit(state: DiscordState, opts: SubmitModalOptions): FakeInteraction {
  const origin = state.findInteraction(opts.interaction);
  const modal = origin?.modal;
  if (!origin || !modal) throw new Error(`no modal was shown for interaction ${opts.interaction}`);
  if (opts.customId !== undefined && opts.customId !== modal.customId) {
    throw new Error(`the modal shown has custom id ${modal.customId}, not ${opts.customId}`);
  }
  if (modal.submittedBy) throw new Error(`modal ${modal.customId} was already submitted (interaction ${modal.submittedBy})`);
  const values = opts.values ?? {};
  const inputs = modalInputs(modal.components);
  const unknown = Object.keys(values).filter((k) => !inputs.some((x) => x.customId === k));
  if (unknown.length) throw new Error(`modal ${modal.customId} has no input ${unknown.join(', ')}`);

  const createdAt = opts.createdAt ?? Date.now();
  const where = { guildId: origin.guildId, channelId: origin.channelId };
  const attachments: Record<string, FakeAttachment> = {};
  let nextId = 1;
  const submitted = (c: any): any => {
    const id = typeof c.id === 'number' ? c.id : nextId;
    nextId = Math.max(nextId, id) + 1;
    if (c.type === 18) return { type: 18, id, component: submitted(c.component) };
    if (c.type === 1) return { type: 1, id, components: (c.components ?? []).map(submitted) };
    if (c.type === 10) return { type: 10, id };
    return { type: c.type, id, custom_id: c.custom_id, ...submittedValue(state, c, values[c.custom_id], attachments) };
  };
  const components = modal.components.map(submitted);
  const data: any = { custom_id: modal.customId, components };
  if (Object.keys(attachments).length > 0) data.resolved = { attachments };
  const payload: any = {
    id: snowflakeFromTime(createdAt),
    token: newToken(),
    type: 5 as const,
    data,
    ...commonFields(state, where, origin.userId, {
      locale: opts.locale ?? origin.payload.locale,
      attachmentSizeLimit: origin.attachmentSizeLimit,
      ...(origin.payload.app_permissions ? { appPermissions: origin.payload.app_permissions } : {}),
      ...(origin.payload.member?.permissions ? { memberPermissions: origin.payload.member.permissions } : {}),
      ...(origin.payload.guild_locale ? { guildLocale: origin.payload.guild_locale } : {}),
    }),
  };
  const onMessage = origin.componentMessageId ? state.messages.get(origin.componentMessageId) : undefined;
  if (onMessage) payload.message = state.apiMessage(onMessage);
  const record: FakeInteraction = { ...interactionRecord(payload, createdAt, where, origin.userId), customId: modal.customId, modalOf: origin.id };
  if (onMessage) record.componentMessageId = onMessage.id;
  modal.submittedBy = record.id;
  return record;
}

/** The submitted value of one input, checked as Discord's client checks it before letting the member submit. */
function submittedValue(state: DiscordState, input: any, typed: unknown, attachments: Record<string, FakeAttachment>): any {
  const name = `input ${input.custom_id}`;
  // An input the member leaves alone submits what it was prefilled with.
  const defaults = (input.options ?? []).filter((o: any) => o.default).map((o: any) => o.value);
  const prefilled = input.type === 4 ? (input.value ?? undefined) : input.type === 23 ? (input.default ?? undefined) : input.type === 21 ? defaults[0] : defaults.length ? defaults : undefined;
  const given = typed ?? prefilled;
  const isRequired = input.required ?? input.type !== 23;
  const optionValues = (input.options ?? []).map((o: any) => o.value);
  const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : fail(`${name} takes a list of values`));
  const countIn = (n: number, min: number, max: number): void => {
    if (n < min || n > max) fail(`${name} takes ${min}..${max} values, got ${n}`);
  };
  switch (input.type) {
    case 4: {
      if (given !== undefined && typeof given !== 'string') fail(`${name} is a text input: give a string`);
      const value = (given as string | undefined) ?? '';
      const n = [...value].length;
      if (n === 0 && isRequired) fail(`${name} is required`);
      if (n > 0 && (n < (input.min_length ?? 0) || n > (input.max_length ?? 4000))) fail(`${name} takes ${input.min_length ?? 0}..${input.max_length ?? 4000} characters, got ${n}`);
      return { value };
    }
    case 3:
    case 22: {
      const list = asList(given);
      const bad = list.filter((v) => !optionValues.includes(v));
      if (bad.length) fail(`${name} has no option ${bad.join(', ')}`);
      if (list.length > 0 || isRequired) countIn(list.length, Math.max(input.min_values ?? 1, isRequired ? 1 : 0), input.max_values ?? (input.type === 22 ? optionValues.length : 1));
      return { values: list };
    }
    case 21: {
      if (given !== undefined && (typeof given !== 'string' || !optionValues.includes(given))) fail(`${name} has no option ${String(given)}`);
      if (given === undefined && isRequired) fail(`${name} is required`);
      return { value: given ?? null };
    }
    case 23:
      if (given !== undefined && typeof given !== 'boolean') fail(`${name} is a checkbox: give a boolean`);
      return { value: given ?? false };
    case 19: {
      const files = (given ?? []) as UploadSpec[];
      if (!Array.isArray(files) || files.some((f) => !Buffer.isBuffer(f?.data))) fail(`${name} is a file upload: give files`);
      if (files.length > 0 || isRequired) countIn(files.length, Math.max(input.min_values ?? 1, isRequired ? 1 : 0), input.max_values ?? 1);
      const ids = files.map((f) => {
        // Uploads of a modal live in the ephemeral attachments folder, like a command's attachment options.
        const a = state.cdn.toApi(state.cdn.host({ folder: state.applicationId, ...f }));
        attachments[a.id] = a;
        return a.id;
      });
      return { values: ids };
    }
    default:
      return { values: asList(given) };
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** The fake's bookkeeping of a dispatched interaction, common to commands and components. */
function interactionRecord(
  payload: { id: string; token: string; type: 2 | 3 | 4 | 5; attachment_size_limit: number },
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
    data: { custom_id: opts.customId, component_type: opts.componentType ?? 2, ...(opts.componentType === 3 ? { values: opts.values ?? [] } : {}) },
    message,
    ...commonFields(state, where, user.id, opts),
  };
  return { ...interactionRecord(payload, createdAt, where, user.id), customId: opts.customId, componentMessageId: opts.messageId };
}
