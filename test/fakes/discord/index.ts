/**
 * Fake Discord for end-to-end tests: the real discord.js client (or a bot process with
 * DISCORD_API_URL=fake.apiUrl and DISCORD_TOKEN=fake.botToken) logs in to it unchanged.
 *
 * Things that behave as on Discord and surprise bot code:
 * - An interaction must be acknowledged within 3 s of its delivery; its token dies 15 min after the time in
 *   its id (`createdAt`), so a command sent with createdAt 16 min ago can be deferred but not edited.
 * - Webhook calls before the acknowledgement answer 404/10015; ephemeral replies are invisible to channel
 *   endpoints (10008).
 * - Failures injected with status 5xx are retried by @discordjs/rest (3 retries), so `times: 1` is absorbed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway } from './gateway';
import { buildAutocomplete, buildButton, buildCommand, buildMessageCommand, buildModalSubmit, DEFAULT_USER_ID } from './interactions';
import { handleRest } from './rest';
import { newSnowflake } from './snowflake';
import { DiscordState } from './state';
import { FLAG_EPHEMERAL } from './wire';
import type { FakeAttachment, FakeDiscord, FakeInteraction, RecordedCall, SentInteraction, StartOptions } from './types';

export { snowflakeFromTime, timeFromSnowflake, shardOfGuild, DISCORD_EPOCH } from './snowflake';
export { DEFAULT_USER_ID } from './interactions';
export { DEFAULT_PERMISSIONS, CHANNEL_UPLOAD_LIMIT, DEFAULT_INTERACTION_UPLOAD_LIMIT } from './state';
export { MAX_V2_COMPONENTS, MAX_MODAL_COMPONENTS, countComponents, modalInputs } from './components';
export { FLAG_COMPONENTS_V2, FLAG_EPHEMERAL } from './wire';
export type {
  AddMessageOptions,
  AutocompleteAnswer,
  FailureSpec,
  FakeAttachment,
  FakeChannel,
  FakeDiscord,
  FakeGuild,
  FakeInteraction,
  FakeMessage,
  FakeRole,
  FakeUser,
  InteractionOrigin,
  Ping,
  RecordedCall,
  SendAutocompleteOptions,
  SendButtonOptions,
  SendCommandOptions,
  SendMessageCommandOptions,
  SentInteraction,
  ShownModal,
  SpecFinding,
  StartOptions,
  SubmitModalOptions,
  UploadSpec,
} from './types';
export type { UploadedFile } from './multipart';

/**
 * Every fake Discord started in this test worker, closed ones included: a bot process knows only its
 * environment, and its output is checked against every credential any of them handed out.
 */
const started: FakeDiscord[] = [];

/** Bot tokens and interaction tokens of every fake Discord started in this worker. */
export function credentialsIssued(): { botTokens: string[]; interactionTokens: string[] } {
  return { botTokens: started.map((f) => f.botToken), interactionTokens: started.flatMap((f) => f.interactionTokens()) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts a fake Discord (REST under /api/v10, gateway at /gateway, CDN under /cdn) on 127.0.0.1 at a
 * random port. A real discord.js Client logs in to it with `rest: { api: fake.apiUrl }` and `fake.botToken`.
 */
export async function startFakeDiscord(opts: StartOptions = {}): Promise<FakeDiscord> {
  let state!: DiscordState;
  let gateway!: Gateway;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: `fake discord crashed: ${(err as Error).message}`, code: 0 }));
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    // The whole body is read before answering, even for a 413: answering mid-upload makes the client see
    // a reset connection instead of Discord's JSON error.
    const raw = await readBody(req);
    if (url.pathname.startsWith('/api/')) {
      await handleRest(state, gateway.url, req, res, url, raw);
      return;
    }
    if (url.pathname.startsWith('/cdn/')) {
      if (cdnHeld) {
        cdnWaiting.push(url.pathname);
        await cdnHeld;
      }
      serveCdn(req, res, url);
      return;
    }
    const body = JSON.stringify({ message: '404: Not Found', code: 0 });
    res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  /** While set, CDN requests wait for it (holdAttachments). */
  let cdnHeld: Promise<void> | undefined;
  const cdnWaiting: string[] = [];

  function serveCdn(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const hit = state.cdn.lookup(url.toString());
    const ok = hit !== undefined && hit.signatureValid && !hit.file.deleted;
    const status = ok ? 200 : 404;
    state.cdnCalls.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status,
      at: Date.now(),
    });
    if (!ok) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('This content is no longer available.');
      return;
    }
    const file = hit.file;
    res.writeHead(200, {
      'Content-Type': file.contentType ?? 'application/octet-stream',
      'Content-Length': String(file.data.length),
    });
    res.end(req.method === 'HEAD' ? undefined : file.data);
  }

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', origin).pathname;
    if (path !== '/gateway' && path !== '/gateway/') {
      socket.destroy();
      return;
    }
    gateway.handleUpgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;

  state = new DiscordState(origin, opts);
  gateway = new Gateway(state, gatewayUrl);
  const guildCount = opts.guildCount ?? state.shardCount;
  for (let k = 0; k < guildCount; k++) state.addGuild(undefined, { shard: k % state.shardCount });

  const dispatchInteraction = (i: FakeInteraction): SentInteraction => {
    state.registerInteraction(i);
    gateway.dispatchEvent(i.guildId, 'INTERACTION_CREATE', i.payload, () => {
      i.sentAt = Date.now();
    });
    return { id: i.id, token: i.token, createdAt: i.createdAt, payload: i.payload };
  };

  /** Resolves with `read()` once it is defined: checked on every REST call the fake answers. */
  const waitUntil = <T>(what: string, read: () => T | undefined, timeoutMs = 5000): Promise<T> => {
    const now = read();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = state.onCall(() => {
        const v = read();
        if (v === undefined) return;
        clearTimeout(timer);
        off();
        resolve(v);
      });
    });
  };

  const hostFiles = (channelId: string, files: { filename: string; contentType?: string; width?: number; height?: number; data: Buffer }[]): FakeAttachment[] =>
    files.map((f) => state.cdn.toApi(state.cdn.host({ folder: channelId, ...f })));

  const matchesCall = (c: RecordedCall, method: string, pattern: RegExp): boolean => {
    pattern.lastIndex = 0;
    return (method === '*' || c.method === method.toUpperCase()) && pattern.test(c.path);
  };

  const fake: FakeDiscord = {
    apiUrl: `${origin}/api`,
    origin,
    gatewayUrl,
    botToken: state.botToken,
    applicationId: state.applicationId,
    botUserId: state.botUser.id,
    shardCount: state.shardCount,

    calls: state.calls,
    pings: state.pings,
    cdnCalls: state.cdnCalls,
    callsTo: (method, pattern) => state.calls.filter((c) => matchesCall(c, method, pattern)),
    waitForCall(method, pattern, o = {}) {
      const count = o.count ?? 1;
      const timeoutMs = o.timeoutMs ?? 5000;
      const ok = (c: RecordedCall): boolean => matchesCall(c, method, pattern) && (o.predicate?.(c) ?? true);
      const seen = state.calls.filter(ok);
      if (seen.length >= count) return Promise.resolve(seen[count - 1]!);
      let n = seen.length;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`no ${count}. ${method} ${pattern} within ${timeoutMs} ms (saw ${n})`));
        }, timeoutMs);
        const off = state.onCall((c) => {
          if (!ok(c) || ++n < count) return;
          clearTimeout(timer);
          off();
          resolve(c);
        });
      });
    },

    sendCommand: (o) => dispatchInteraction(buildCommand(state, o)),
    sendButton: (o) => dispatchInteraction(buildButton(state, o)),
    sendMessageCommand: (o) => dispatchInteraction(buildMessageCommand(state, o)),
    sendAutocomplete: (o) => dispatchInteraction(buildAutocomplete(state, o)),
    submitModal: (o) => dispatchInteraction(buildModalSubmit(state, o)),
    modals: state.modals,
    modalFor: (key) => state.findInteraction(key)?.modal,
    waitForModal: (key, o) => waitUntil(`modal for ${key}`, () => state.findInteraction(key)?.modal, o?.timeoutMs),
    autocompleteAnswers: state.autocompleteAnswers,
    autocompleteAnswer: (key) => state.findInteraction(key)?.autocomplete,
    waitForAutocomplete: (key, o) => waitUntil(`autocomplete answer for ${key}`, () => state.findInteraction(key)?.autocomplete, o?.timeoutMs),
    specFindings: state.specFindings,
    specErrors: () => state.specFindings.filter((f) => f.level === 'error'),
    specWarnings: () => state.specFindings.filter((f) => f.level === 'warning'),
    interactions: state.interactions,
    interactionTokens: () => [...state.interactions.values()].map((i) => i.token),
    originalMessageId: (key) => state.findInteraction(key)?.originalMessageId,
    expireInteraction(key) {
      const i = state.findInteraction(key);
      if (!i) throw new Error(`unknown interaction ${key}`);
      i.createdAt = Date.now() - 16 * 60 * 1000;
    },

    failNext: (method, pattern, response) => state.addFailure(method, pattern, response),

    addAttachment(a) {
      // Inputs the user attached live in an ephemeral folder, not in a channel the bot could read.
      const hosted = state.cdn.host({ folder: state.applicationId, ...a });
      return state.cdn.toApi(hosted);
    },
    expireAttachment(url) {
      if (!state.cdn.expire(url)) throw new Error(`not a hosted attachment: ${url}`);
    },
    deleteAttachment(url) {
      if (!state.cdn.delete(url)) throw new Error(`not a hosted attachment: ${url}`);
    },
    attachmentData: (url) => state.cdn.lookup(url)?.file.data,
    holdAttachments() {
      let release!: () => void;
      cdnHeld = new Promise<void>((r) => (release = r));
      cdnWaiting.length = 0;
      return {
        waiting: () => cdnWaiting.length,
        release: () => {
          cdnHeld = undefined;
          release();
        },
      };
    },

    messages: state.messages,
    channelMessages: (channelId) =>
      // Map order is creation order.
      [...state.messages.values()].filter((m) => m.channelId === channelId && !m.deleted && ((m.flags ?? 0) & FLAG_EPHEMERAL) === 0),
    interactionMessages(key) {
      const i = state.findInteraction(key);
      if (!i) throw new Error(`unknown interaction ${key}`);
      const ids = [i.originalMessageId, ...i.followupIds].filter((id): id is string => id !== undefined);
      return ids.map((id) => state.messages.get(id)!).filter((m) => m && !m.deleted && m.interactionId === i.id);
    },
    addMessage(o = {}) {
      const channelId = o.channelId ?? state.guilds.values().next().value?.defaultChannelId ?? state.guild(state.addGuild()).defaultChannelId;
      if (!state.channels.has(channelId)) throw new Error(`unknown channel ${channelId}`);
      const author = state.ensureUser(o.author?.id ?? DEFAULT_USER_ID, o.author?.username);
      const images = hostFiles(channelId, o.embedImages ?? []).map((a) => ({
        type: 'image',
        url: a.url,
        image: { url: a.url, proxy_url: a.proxy_url, ...(a.width ? { width: a.width, height: a.height } : {}), ...(a.content_type ? { content_type: a.content_type } : {}) },
      }));
      const m = state.createMessage({ channelId, body: { content: o.content ?? '', embeds: [...(o.embeds ?? []), ...images] }, files: [], type: 0, authorId: author.id });
      m.attachments = hostFiles(channelId, o.files ?? []);
      return m;
    },

    get guilds() {
      return [...state.guilds.keys()].map((id) => ({ id, shard: state.shardOf(id) }));
    },
    addGuild: (id, o) => state.addGuild(id, o),
    setGuildLocale: (guildId, locale) => void (state.guild(guildId).locale = locale),
    addRole: (guildId, o) => state.addRole(guildId, o),
    setMemberRoles: (guildId, userId, roleIds) => state.setMemberRoles(guildId, userId, roleIds),
    guildChannels: (guildId) => [...state.channels.values()].filter((c) => c.guildId === state.guild(guildId).id).map((c) => c.id),
    addChannel: (guildId, o) => state.addChannel(guildId, o),
    defaultChannelId(guildId) {
      const g = state.guilds.get(guildId);
      if (!g) throw new Error(`unknown guild ${guildId}`);
      return g.defaultChannelId;
    },
    dmChannelId: (userId) => state.dmChannelFor(userId).id,
    addUser(u) {
      const user = state.ensureUser(u.id ?? newSnowflake(), u.username);
      if (u.bot) user.bot = true;
      return user;
    },

    forbidChannel: (channelId, code = 50013) => void state.forbidden.set(channelId, code),
    allowChannel: (channelId) => void state.forbidden.delete(channelId),
    forbidDM: (userId) => void state.dmClosed.add(userId),

    connections: () => gateway.connections(),
    disconnectShard: (shard, o) => gateway.disconnectShard(shard, o?.code),
    waitForShard: (shard, o) => gateway.waitForShard(shard, o),
    gatewayReceived: gateway.received,

    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  started.push(fake);
  return fake;
}
