import type { IncomingMessage, ServerResponse } from 'node:http';
import { bulkCommandsRefusal, commandRefusal } from './commands';
import { autocompleteRefusal, modalRefusal } from './components';
import { parseBody } from './multipart';
import { checkRequestBody } from './spec';
import { newSnowflake } from './snowflake';
import {
  ACK_WINDOW_MS,
  apiError,
  CHANNEL_UPLOAD_LIMIT,
  Errors,
  formError,
  TOKEN_LIFETIME_MS,
  type DiscordState,
  type Result,
} from './state';
import type { FakeInteraction, FakeMessage, RecordedCall } from './types';

interface Ctx {
  call: RecordedCall;
  params: Record<string, string>;
  state: DiscordState;
  gatewayUrl: string;
}

type Handler = (ctx: Ctx) => Result | Promise<Result>;

interface Route {
  method: string;
  pattern: RegExp;
  /** 'bot': needs `Authorization: Bot <token>`; 'none': interaction callbacks and webhooks ignore it. */
  auth: 'bot' | 'none';
  handler: Handler;
}

const routes: Route[] = [];

function route(method: string, path: string, auth: Route['auth'], handler: Handler): void {
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`);
  routes.push({ method, pattern, auth, handler });
}

const json = (status: number, body: unknown, headers?: Record<string, string>): Result =>
  headers ? { status, json: body, headers } : { status, json: body };
const noContent = (): Result => ({ status: 204 });

// ---- gateway ---------------------------------------------------------------------------------------------

route('GET', '/gateway', 'none', ({ gatewayUrl }) => json(200, { url: gatewayUrl }));

route('GET', '/gateway/bot', 'bot', ({ state, gatewayUrl }) =>
  json(200, {
    url: gatewayUrl,
    shards: state.shardCount,
    session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
  }),
);

// ---- users -----------------------------------------------------------------------------------------------

route('GET', '/users/@me', 'bot', ({ state }) =>
  json(200, { ...state.apiUser(state.botUser.id), verified: true, mfa_enabled: false }),
);

route('GET', '/users/:user', 'bot', ({ state, params }) =>
  isSnowflake(params.user!) ? json(200, state.apiUser(params.user!)) : Errors.unknownUser(),
);

route('POST', '/users/@me/channels', 'bot', ({ state, call }) => {
  const recipient = call.body?.recipient_id;
  if (typeof recipient !== 'string' || !isSnowflake(recipient)) {
    return formError(['recipient_id'], 'NUMBER_TYPE_COERCE', `Value "${String(recipient)}" is not snowflake.`);
  }
  return json(200, state.apiChannel(state.dmChannelFor(recipient)));
});

// ---- applications and commands --------------------------------------------------------------------------

route('GET', '/applications/@me', 'bot', ({ state }) =>
  json(200, {
    id: state.applicationId,
    name: state.botUser.username,
    icon: null,
    description: '',
    summary: '',
    type: null,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    owner: state.apiUser(state.botUser.id),
    team: null,
    bot: state.apiUser(state.botUser.id),
    approximate_guild_count: state.guilds.size,
    integration_types_config: { '0': {}, '1': {} },
  }),
);

for (const scope of ['', '/guilds/:guild'] as const) {
  const base = `/applications/:app${scope}/commands`;
  route('GET', base, 'bot', (ctx) => withScope(ctx, (cmds) => json(200, [...cmds.values()])));
  route('PUT', base, 'bot', (ctx) =>
    withScope(ctx, (cmds, scopeKey) => {
      if (!Array.isArray(ctx.call.body)) return formError([], 'BASE_TYPE_ARRAY', 'Must be an array.');
      const refused = bulkCommandsRefusal(ctx.call.body);
      if (refused) return refused;
      const byName = new Map([...cmds.values()].map((c) => [`${c.type}:${c.name}`, c]));
      const next = new Map<string, any>();
      for (const def of ctx.call.body) {
        const prev = byName.get(`${def.type ?? 1}:${def.name}`);
        const cmd = normalizeCommand(ctx.state, def, scopeKey, prev);
        next.set(cmd.id, cmd);
      }
      ctx.state.commands.set(scopeKey, next);
      return json(200, [...next.values()]);
    }),
  );
  route('POST', base, 'bot', (ctx) =>
    withScope(ctx, (cmds, scopeKey) => {
      const def = ctx.call.body ?? {};
      const refused = commandRefusal(def);
      if (refused) return refused;
      const prev = [...cmds.values()].find((c) => c.name === def.name && c.type === (def.type ?? 1));
      const cmd = normalizeCommand(ctx.state, def, scopeKey, prev);
      cmds.set(cmd.id, cmd);
      return json(prev ? 200 : 201, cmd);
    }),
  );
  route('GET', `${base}/:command`, 'bot', (ctx) =>
    withScope(ctx, (cmds) => {
      const cmd = cmds.get(ctx.params.command!);
      return cmd ? json(200, cmd) : Errors.unknownCommand();
    }),
  );
  route('PATCH', `${base}/:command`, 'bot', (ctx) =>
    withScope(ctx, (cmds, scopeKey) => {
      const prev = cmds.get(ctx.params.command!);
      if (!prev) return Errors.unknownCommand();
      const cmd = normalizeCommand(ctx.state, { ...prev, ...ctx.call.body }, scopeKey, prev);
      cmds.set(cmd.id, cmd);
      return json(200, cmd);
    }),
  );
  route('DELETE', `${base}/:command`, 'bot', (ctx) =>
    withScope(ctx, (cmds) => (cmds.delete(ctx.params.command!) ? noContent() : Errors.unknownCommand())),
  );
}

function withScope(ctx: Ctx, fn: (cmds: Map<string, any>, scopeKey: string) => Result): Result {
  if (ctx.params.app !== ctx.state.applicationId) return apiError(403, 20012, 'You are not authorized to perform this action on this application');
  const guild = ctx.params.guild;
  if (guild !== undefined && !ctx.state.guilds.has(guild)) return Errors.missingAccess();
  const key = guild ?? 'global';
  let cmds = ctx.state.commands.get(key);
  if (!cmds) {
    cmds = new Map();
    ctx.state.commands.set(key, cmds);
  }
  return fn(cmds, key);
}

/** What Discord echoes for a registered command: the definition plus ids, version and defaults. */
function normalizeCommand(state: DiscordState, def: any, scopeKey: string, prev: any): any {
  const cmd: any = {
    id: prev?.id ?? newSnowflake(),
    application_id: state.applicationId,
    version: newSnowflake(),
    type: def.type ?? 1,
    name: def.name,
    name_localizations: def.name_localizations ?? null,
    description: def.description ?? '',
    description_localizations: def.description_localizations ?? null,
    default_member_permissions: def.default_member_permissions ?? null,
    dm_permission: def.dm_permission ?? true,
    nsfw: def.nsfw ?? false,
    contexts: def.contexts ?? null,
    integration_types: def.integration_types ?? [0],
  };
  if (def.options !== undefined) cmd.options = def.options;
  if (scopeKey !== 'global') cmd.guild_id = scopeKey;
  return cmd;
}

/**
 * The command id an interaction carries: the registered one when the bot registered that name, else a
 * stable made-up id (kept apart so GET .../commands shows only what the bot registered).
 */
export function commandIdFor(state: DiscordState, name: string, guildId: string | null, type: 1 | 2 | 3 = 1): string {
  for (const key of [guildId ?? '', 'global']) {
    const found = [...(state.commands.get(key)?.values() ?? [])].find((c) => c.name === name && c.type === type);
    if (found) return found.id;
  }
  const key = type === 1 ? name : `${type}:${name}`;
  let id = state.unregisteredCommandIds.get(key);
  if (!id) {
    id = newSnowflake();
    state.unregisteredCommandIds.set(key, id);
  }
  return id;
}

// ---- guilds ----------------------------------------------------------------------------------------------

route('GET', '/guilds/:guild', 'bot', ({ state, params }) =>
  state.guilds.has(params.guild!) ? json(200, state.apiGuild(params.guild!, false)) : Errors.unknownGuild(),
);
route('GET', '/guilds/:guild/channels', 'bot', ({ state, params }) => {
  if (!state.guilds.has(params.guild!)) return Errors.unknownGuild();
  return json(200, [...state.channels.values()].filter((c) => c.guildId === params.guild).map((c) => state.apiChannel(c)));
});
route('GET', '/guilds/:guild/roles', 'bot', ({ state, params }) =>
  state.guilds.has(params.guild!) ? json(200, state.apiRoles(params.guild!)) : Errors.unknownGuild(),
);
route('GET', '/guilds/:guild/members/:user', 'bot', ({ state, params }) => {
  if (!state.guilds.has(params.guild!)) return Errors.unknownGuild();
  if (!state.users.has(params.user!)) return Errors.unknownMember();
  return json(200, state.apiMember(params.guild!, params.user!));
});

// ---- channels --------------------------------------------------------------------------------------------

route('GET', '/channels/:channel', 'bot', ({ state, params }) => {
  const ch = state.channels.get(params.channel!);
  if (!ch) return Errors.unknownChannel();
  if (state.forbidden.get(ch.id) === 50001) return Errors.missingAccess();
  return json(200, state.apiChannel(ch));
});

route('POST', '/channels/:channel/typing', 'bot', ({ state, params }) =>
  state.channels.has(params.channel!) ? noContent() : Errors.unknownChannel(),
);

route('GET', '/channels/:channel/messages', 'bot', ({ state, params, call }) => {
  const ch = state.channels.get(params.channel!);
  if (!ch) return Errors.unknownChannel();
  if (state.forbidden.get(ch.id) === 50001) return Errors.missingAccess();
  const limit = Math.min(100, Number(call.query.limit ?? 50));
  const list = [...state.messages.values()]
    .filter((m) => m.channelId === ch.id && !m.deleted && !isEphemeral(m))
    .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
    .slice(0, limit);
  return json(200, list.map((m) => state.apiMessage(m)));
});

route('POST', '/channels/:channel/messages', 'bot', ({ state, params, call }) => {
  const ch = state.channels.get(params.channel!);
  if (!ch) return Errors.unknownChannel();
  const denied = channelDenied(state, ch.id);
  if (denied) return denied;
  if (ch.type === 1 && state.dmClosed.has(ch.recipientId!)) return Errors.cannotDM();
  const refused = refuseMessage(state, undefined, call, CHANNEL_UPLOAD_LIMIT);
  if (refused) return refused;
  // Bots cannot post ephemeral or "loading" messages in channels: those flags are dropped.
  const flags = (call.body?.flags ?? 0) & ~((1 << 6) | (1 << 7));
  const m = state.createMessage({ channelId: ch.id, body: call.body, files: call.files, type: call.body?.message_reference ? 19 : 0, flags });
  return json(200, state.apiMessage(m));
});

route('GET', '/channels/:channel/messages/:message', 'bot', ({ state, params }) => {
  const found = channelMessage(state, params.channel!, params.message!);
  if ('status' in found) return found;
  return json(200, state.apiMessage(found));
});

route('PATCH', '/channels/:channel/messages/:message', 'bot', ({ state, params, call }) => {
  const ch = state.channels.get(params.channel!);
  if (!ch) return Errors.unknownChannel();
  const denied = channelDenied(state, ch.id);
  if (denied) return denied;
  const found = channelMessage(state, params.channel!, params.message!);
  if ('status' in found) return found;
  if (found.authorId !== state.botUser.id) return Errors.cannotEditOthers();
  const refused = refuseMessage(state, found, call, CHANNEL_UPLOAD_LIMIT);
  if (refused) return refused;
  return json(200, state.apiMessage(state.editMessage(found, call.body, call.files, 'message')));
});

route('DELETE', '/channels/:channel/messages/:message', 'bot', ({ state, params }) => {
  const found = channelMessage(state, params.channel!, params.message!);
  if ('status' in found) return found;
  found.deleted = true;
  return noContent();
});

function channelDenied(state: DiscordState, channelId: string): Result | undefined {
  const code = state.forbidden.get(channelId);
  if (code === 50001) return Errors.missingAccess();
  if (code !== undefined) return Errors.missingPermissions();
  return undefined;
}

/**
 * What Discord checks on any message write: upload size, the body's limits (Components V2 included), and
 * that something remains.
 */
function refuseMessage(state: DiscordState, existing: FakeMessage | undefined, call: RecordedCall, uploadLimit: number): Result | undefined {
  return (
    state.checkUploadSize(call.files, uploadLimit) ??
    state.messageWriteRefusal(existing, call.body, call.files) ??
    (state.wouldBeEmpty(existing, call.body, call.files) ? Errors.cannotSendEmpty() : undefined)
  );
}

/** Ephemeral replies exist only behind the interaction webhook: channel endpoints do not see them. */
function channelMessage(state: DiscordState, channelId: string, messageId: string): FakeMessage | Result {
  const ch = state.channels.get(channelId);
  if (!ch) return Errors.unknownChannel();
  if (state.forbidden.get(channelId) === 50001) return Errors.missingAccess();
  const m = state.messages.get(messageId);
  if (!m || m.channelId !== channelId || m.deleted || isEphemeral(m)) return Errors.unknownMessage();
  return m;
}

const isEphemeral = (m: FakeMessage): boolean => ((m.flags ?? 0) & (1 << 6)) !== 0;

// ---- attachments -----------------------------------------------------------------------------------------

route('POST', '/attachments/refresh-urls', 'bot', ({ state, call }) => {
  const urls = call.body?.attachment_urls;
  if (!Array.isArray(urls)) return formError(['attachment_urls'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (urls.length > 50) return formError(['attachment_urls'], 'BASE_TYPE_MAX_LENGTH', 'Must be 50 or fewer in length.');
  const refreshed_urls: { original: string; refreshed: string }[] = [];
  for (const original of urls) {
    if (typeof original !== 'string') continue;
    const refreshed = state.cdn.refresh(original);
    if (refreshed) refreshed_urls.push({ original, refreshed });
  }
  return json(200, { refreshed_urls });
});

// ---- interaction callback --------------------------------------------------------------------------------

const responseTypeInvalid = (): Result =>
  formError(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', 'Interaction response type is not valid for this interaction.');

/** Which callback types each interaction type takes: autocomplete only 8; a modal (9) never after a modal submit. */
const ALLOWED_CALLBACKS: Record<FakeInteraction['type'], number[]> = {
  2: [4, 5, 9],
  3: [4, 5, 6, 7, 9],
  4: [8],
  5: [4, 5, 6, 7],
};

route('POST', '/interactions/:id/:token/callback', 'none', ({ state, params, call }) => {
  const i = state.interactions.get(params.id!);
  if (!i || i.token !== params.token) return Errors.unknownInteraction();
  if (i.ackType !== undefined) return Errors.alreadyAcknowledged();
  if (Date.now() - i.sentAt > ACK_WINDOW_MS) return Errors.unknownInteraction();
  const type = call.body?.type;
  const data = call.body?.data ?? {};
  if (![4, 5, 6, 7, 8, 9].includes(type)) return formError(['type'], 'BASE_TYPE_CHOICES', `Value must be one of {4, 5, 6, 7, 8, 9}.`);
  if (!ALLOWED_CALLBACKS[i.type].includes(type)) return responseTypeInvalid();
  const tooBig = state.checkUploadSize(call.files, i.attachmentSizeLimit);
  if (tooBig) return tooBig;

  let message: FakeMessage | undefined;
  switch (type) {
    case 4: {
      const invalid = state.messageWriteRefusal(undefined, data, call.files);
      if (invalid) return prefixErrors(invalid, 'data');
      if (state.wouldBeEmpty(undefined, data, call.files)) return Errors.cannotSendEmpty();
      message = replyMessage(state, i, data, call, (data.flags ?? 0) & ~(1 << 7));
      break;
    }
    case 5:
      // Deferring may already set IS_COMPONENTS_V2 (and ephemeral); the flag then stays for the edits.
      message = replyMessage(state, i, {}, { ...call, files: [] }, ((data.flags ?? 0) & ((1 << 6) | (1 << 15))) | (1 << 7));
      break;
    case 6:
    case 7: {
      if (!i.componentMessageId) return responseTypeInvalid();
      const target = state.messages.get(i.componentMessageId);
      if (type === 7) {
        const invalid = state.messageWriteRefusal(target, data, call.files);
        if (invalid) return prefixErrors(invalid, 'data');
        if (target) state.editMessage(target, data, call.files, 'webhook');
      }
      message = target;
      if (message) i.originalMessageId = message.id;
      break;
    }
    case 8: {
      const invalid = autocompleteRefusal(data);
      if (invalid) return invalid;
      const answer = { interactionId: i.id, choices: data.choices, latencyMs: Date.now() - i.sentAt, at: Date.now() };
      i.autocomplete = answer;
      state.autocompleteAnswers.push(answer);
      break;
    }
    case 9: {
      const invalid = modalRefusal(call.body?.data);
      if (invalid) return invalid;
      const modal = { interactionId: i.id, userId: i.userId, customId: data.custom_id, title: data.title, components: data.components, at: Date.now(), latencyMs: Date.now() - i.sentAt };
      i.modal = modal;
      state.modals.push(modal);
      break;
    }
  }
  i.ackType = type;
  i.ackAt = Date.now();

  if (call.query.with_response !== 'true') return noContent();
  const response: any = {
    interaction: {
      id: i.id,
      type: i.type,
      ...(message
        ? {
            response_message_id: message.id,
            response_message_loading: ((message.flags ?? 0) & (1 << 7)) !== 0,
            response_message_ephemeral: isEphemeral(message),
          }
        : {}),
    },
    resource: { type, ...(message && type !== 6 ? { message: state.apiMessage(message) } : {}) },
  };
  return json(200, response);
});

function replyMessage(state: DiscordState, i: FakeInteraction, body: any, call: RecordedCall, flags: number): FakeMessage {
  const m = state.createMessage({
    channelId: i.channelId,
    body,
    files: call.files,
    // 20 chat input command, 23 context menu command, 19 reply (components and modal submits).
    type: i.type === 2 ? (i.commandType === 3 ? 23 : 20) : 19,
    webhook: true,
    interactionId: i.id,
    flags,
  });
  i.originalMessageId = m.id;
  i.ephemeral = (flags & (1 << 6)) !== 0;
  return m;
}

function prefixErrors(r: Result, key: string): Result {
  const body = r.json as any;
  if (body?.errors) body.errors = { [key]: body.errors };
  return r;
}

// ---- interaction webhooks --------------------------------------------------------------------------------

/**
 * Resolves an interaction webhook: unknown or not yet acknowledged -> 404/10015, older than 15 minutes from
 * the id's timestamp -> 401/50027. Webhooks ignore the Authorization header: the token in the path is the
 * credential.
 */
function webhookInteraction(state: DiscordState, app: string, token: string): FakeInteraction | Result {
  const i = state.interactionByToken(token);
  if (!i || app !== state.applicationId) return Errors.unknownWebhook();
  if (Date.now() - i.createdAt > TOKEN_LIFETIME_MS) return Errors.invalidToken();
  // Unanswered interactions have no webhook yet; autocomplete ones never have one (no follow-ups).
  if (i.ackType === undefined || i.type === 4) return Errors.unknownWebhook();
  return i;
}

function webhookMessage(state: DiscordState, i: FakeInteraction, ref: string): FakeMessage | Result {
  const id = ref === '@original' ? i.originalMessageId : ref;
  if (!id || (id !== i.originalMessageId && !i.followupIds.includes(id))) return Errors.unknownMessage();
  const m = state.messages.get(id);
  if (!m || m.deleted) return Errors.unknownMessage();
  return m;
}

function rateLimited(state: DiscordState, token: string, handler: () => Result): Result {
  const bucket = state.webhookBucket(token);
  if (!bucket) return handler();
  if ('limited' in bucket) return bucket.limited;
  const r = handler();
  return { ...r, headers: { ...bucket.headers, ...r.headers } };
}

route('POST', '/webhooks/:app/:token', 'none', ({ state, params, call }) => {
  const i = webhookInteraction(state, params.app!, params.token!);
  if ('status' in i) return i;
  return rateLimited(state, i.token, () => {
    const refused = refuseMessage(state, undefined, call, i.attachmentSizeLimit);
    if (refused) return refused;
    const flags = (call.body?.flags ?? 0) & ~(1 << 7);
    const m = state.createMessage({ channelId: i.channelId, body: call.body, files: call.files, type: 0, webhook: true, interactionId: i.id, flags });
    i.followupIds.push(m.id);
    // Without ?wait=true Discord answers 204 and no message (discord.js always asks to wait).
    return call.query.wait === 'true' ? json(200, state.apiMessage(m)) : noContent();
  });
});

route('GET', '/webhooks/:app/:token/messages/:message', 'none', ({ state, params }) => {
  const i = webhookInteraction(state, params.app!, params.token!);
  if ('status' in i) return i;
  return rateLimited(state, i.token, () => {
    const m = webhookMessage(state, i, params.message!);
    return 'status' in m ? m : json(200, state.apiMessage(m));
  });
});

route('PATCH', '/webhooks/:app/:token/messages/:message', 'none', ({ state, params, call }) => {
  const i = webhookInteraction(state, params.app!, params.token!);
  if ('status' in i) return i;
  return rateLimited(state, i.token, () => {
    const m = webhookMessage(state, i, params.message!);
    if ('status' in m) return m;
    const refused = refuseMessage(state, m, call, i.attachmentSizeLimit);
    if (refused) return refused;
    return json(200, state.apiMessage(state.editMessage(m, call.body, call.files, 'webhook')));
  });
});

route('DELETE', '/webhooks/:app/:token/messages/:message', 'none', ({ state, params }) => {
  const i = webhookInteraction(state, params.app!, params.token!);
  if ('status' in i) return i;
  return rateLimited(state, i.token, () => {
    const m = webhookMessage(state, i, params.message!);
    if ('status' in m) return m;
    m.deleted = true;
    return noContent();
  });
});

// ---- dispatch --------------------------------------------------------------------------------------------

const isSnowflake = (s: string): boolean => /^\d{15,21}$/.test(s);

/** Splits `/a/b%40c` into decoded segments and joins them again: `/a/b@c`. */
export function decodePath(raw: string): string {
  return raw
    .split('/')
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join('/');
}

export async function handleRest(
  state: DiscordState,
  gatewayUrl: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: Buffer,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = decodePath(url.pathname.replace(/^\/api\/v10/, '')) || '/';
  const parsed = await parseBody(raw, req.headers['content-type']);
  const call: RecordedCall = {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    auth: req.headers.authorization,
    body: parsed.body,
    files: parsed.files,
    status: 0,
    at: Date.now(),
  };

  if (!parsed.error) state.specFindings.push(...checkRequestBody(method, path, parsed.body));
  let result: Result;
  const injected = state.takeFailure(method, path) ?? state.injectedFault(call);
  if (injected) {
    result = injected;
  } else if (parsed.error) {
    result = Errors.invalidJson();
  } else {
    result = await dispatch(state, gatewayUrl, call);
  }

  call.status = result.status;
  if (result.json !== undefined) call.response = result.json;
  const headers: Record<string, string> = { ...result.headers };
  if (result.json !== undefined) {
    const text = JSON.stringify(result.json);
    res.writeHead(result.status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  } else {
    res.writeHead(result.status, headers);
    res.end();
  }
  state.record(call);
}

async function dispatch(state: DiscordState, gatewayUrl: string, call: RecordedCall): Promise<Result> {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(call.path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== call.method) continue;
    if (r.auth === 'bot' && call.auth !== `Bot ${state.botToken}`) return Errors.unauthorized();
    const params: Record<string, string> = { ...m.groups };
    return r.handler({ call, params, state, gatewayUrl });
  }
  return pathMatched ? Errors.methodNotAllowed() : Errors.notFound();
}

