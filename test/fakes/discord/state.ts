import { randomBytes } from 'node:crypto';
import { Cdn, type HostedFile } from './cdn';
import { buttonProblem, componentsV2Refusal, isV2Write } from './components';
import { apiError, chars, FLAG_COMPONENTS_V2, FLAG_EPHEMERAL, FLAG_LOADING, formError, type Result } from './wire';
import { fileIndex, type UploadedFile } from './multipart';
import { newSnowflake, shardOfGuild, snowflakeFromTime, timeFromSnowflake } from './snowflake';
import type {
  AutocompleteAnswer,
  FailureSpec,
  FakeAttachment,
  FakeChannel,
  FakeGuild,
  FakeInteraction,
  FakeMessage,
  FakeUser,
  Ping,
  RecordedCall,
  ShownModal,
  SpecFinding,
  StartOptions,
} from './types';

export const MiB = 1024 * 1024;
/** Upload limit of plain bot-token posts (channel endpoints). */
export const CHANNEL_UPLOAD_LIMIT = 10 * MiB;
/** interaction.attachment_size_limit when a test does not set one. */
export const DEFAULT_INTERACTION_UPLOAD_LIMIT = 10 * MiB;
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
export const ACK_WINDOW_MS = 3000;


/** Roughly what @everyone may do in a fresh server: see, send, embed, attach, read history, use commands. */
export const DEFAULT_PERMISSIONS = (
  (1n << 0n) | // create invite
  (1n << 6n) | // add reactions
  (1n << 10n) | // view channel
  (1n << 11n) | // send messages
  (1n << 14n) | // embed links
  (1n << 15n) | // attach files
  (1n << 16n) | // read message history
  (1n << 18n) | // external emojis
  (1n << 20n) | // connect
  (1n << 21n) | // speak
  (1n << 26n) | // change nickname
  (1n << 31n) | // use application commands
  (1n << 38n) // send messages in threads
).toString();

export { apiError, formError, type Result } from './wire';

export const Errors = {
  unauthorized: () => apiError(401, 0, '401: Unauthorized'),
  notFound: () => apiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => apiError(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => apiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => apiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => apiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => apiError(404, 10008, 'Unknown Message'),
  unknownUser: () => apiError(404, 10013, 'Unknown User'),
  unknownWebhook: () => apiError(404, 10015, 'Unknown Webhook'),
  unknownCommand: () => apiError(404, 10063, 'Unknown application command'),
  unknownInteraction: () => apiError(404, 10062, 'Unknown interaction'),
  alreadyAcknowledged: () => apiError(400, 40060, 'Interaction has already been acknowledged.'),
  tooLarge: () => apiError(413, 40005, 'Request entity too large'),
  missingAccess: () => apiError(403, 50001, 'Missing Access'),
  missingPermissions: () => apiError(403, 50013, 'Missing Permissions'),
  cannotEditOthers: () => apiError(403, 50005, 'Cannot edit a message authored by another user'),
  cannotSendEmpty: () => apiError(400, 50006, 'Cannot send an empty message'),
  cannotDM: () => apiError(403, 50007, 'Cannot send messages to this user'),
  invalidToken: () => apiError(401, 50027, 'Invalid Webhook Token'),
  invalidJson: () => apiError(400, 50109, 'The request body contains invalid JSON.'),
};

interface Failure extends FailureSpec {
  method: string;
  pattern: RegExp;
  remaining: number;
}

type CallListener = (c: RecordedCall) => void;

/** Everything the fake knows; REST and gateway read and change it. */
export class DiscordState {
  readonly botToken: string;
  readonly applicationId: string;
  readonly botUser: FakeUser;
  readonly shardCount: number;
  readonly maxUploadBytes: number | undefined;
  readonly webhookRateLimit: StartOptions['webhookRateLimit'];
  private readonly faults: StartOptions['faults'];
  readonly cdn: Cdn;

  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  private readonly dmByUser = new Map<string, string>();
  readonly messages = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, FakeInteraction>();
  private readonly interactionsByToken = new Map<string, FakeInteraction>();
  /** Application commands per scope: 'global' or a guild id; by command id. */
  readonly commands = new Map<string, Map<string, any>>();
  /** Ids given to commands the tests invoke without the bot having registered them. */
  readonly unregisteredCommandIds = new Map<string, string>();

  /** Modals the bot showed and autocomplete answers it gave, in order. */
  readonly modals: ShownModal[] = [];
  readonly autocompleteAnswers: AutocompleteAnswer[] = [];
  /** What the request bodies checked against Discord's published spec gave (spec.ts). */
  readonly specFindings: SpecFinding[] = [];
  readonly calls: RecordedCall[] = [];
  readonly pings: Ping[] = [];
  readonly cdnCalls: { method: string; path: string; query: Record<string, string>; status: number; at: number }[] =
    [];
  private readonly failures: Failure[] = [];
  private readonly callListeners = new Set<CallListener>();
  readonly forbidden = new Map<string, number>();
  readonly dmClosed = new Set<string>();
  private readonly webhookBuckets = new Map<string, { resetAt: number; used: number }>();

  /** Set by the gateway: announces state changes to connected shards. */
  onGuildAdded: (guildId: string) => void = () => {};
  onChannelAdded: (channelId: string) => void = () => {};
  onRoleAdded: (guildId: string, roleId: string) => void = () => {};

  constructor(
    readonly origin: string,
    opts: StartOptions,
  ) {
    this.shardCount = opts.shardCount ?? 1;
    this.maxUploadBytes = opts.maxUploadBytes;
    this.webhookRateLimit = opts.webhookRateLimit;
    this.faults = opts.faults;
    this.cdn = new Cdn(origin);
    // Bots share their application's id, as Discord's do since 2021.
    this.applicationId = newSnowflake();
    // Shaped like a real token (base64 id . timestamp . hmac) so any format check in bot code passes.
    this.botToken = [
      Buffer.from(this.applicationId).toString('base64url'),
      randomBytes(4).toString('base64url'),
      randomBytes(27).toString('base64url'),
    ].join('.');
    this.botUser = {
      id: this.applicationId,
      username: 'Vidu Fake Bot',
      global_name: null,
      discriminator: '0000',
      avatar: null,
      bot: true,
    };
    this.users.set(this.botUser.id, this.botUser);
  }

  // ---- calls and failures ----------------------------------------------------------------------------

  record(call: RecordedCall): void {
    this.calls.push(call);
    for (const l of [...this.callListeners]) l(call);
  }

  onCall(l: CallListener): () => void {
    this.callListeners.add(l);
    return () => this.callListeners.delete(l);
  }

  addFailure(method: string, pattern: RegExp, spec: FailureSpec): void {
    this.failures.push({ ...spec, method: method.toUpperCase(), pattern, remaining: spec.times ?? 1 });
  }

  /** The injected failure for this request, consuming one use of it. */
  takeFailure(method: string, path: string): Result | undefined {
    const f = this.failures.find(
      (x) => x.remaining > 0 && (x.method === '*' || x.method === method) && matches(x.pattern, path),
    );
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining === 0) this.failures.splice(this.failures.indexOf(f), 1);
    return failureResult(f);
  }

  /** The failure the `faults` hook picks for this call, if any. */
  injectedFault(call: RecordedCall): Result | undefined {
    const spec = this.faults?.(call);
    return spec && failureResult(spec);
  }

  /**
   * Per-token webhook bucket (opt-in). Answers the X-RateLimit-* headers to send, or a 429 result when the
   * token's bucket is exhausted.
   */
  webhookBucket(token: string): { headers: Record<string, string> } | { limited: Result } | undefined {
    const cfg = this.webhookRateLimit;
    if (!cfg) return undefined;
    const now = Date.now();
    let b = this.webhookBuckets.get(token);
    if (!b || b.resetAt <= now) {
      b = { resetAt: now + cfg.windowMs, used: 0 };
      this.webhookBuckets.set(token, b);
    }
    const resetAfter = ((b.resetAt - now) / 1000).toFixed(3);
    if (b.used >= cfg.limit) {
      return {
        limited: {
          status: 429,
          json: { message: 'You are being rate limited.', retry_after: Number(resetAfter), global: false },
          headers: {
            'Retry-After': resetAfter,
            'X-RateLimit-Limit': String(cfg.limit),
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset-After': resetAfter,
            'X-RateLimit-Bucket': 'fake-interaction-webhook',
            'X-RateLimit-Scope': 'user',
          },
        },
      };
    }
    b.used++;
    return {
      headers: {
        'X-RateLimit-Limit': String(cfg.limit),
        'X-RateLimit-Remaining': String(cfg.limit - b.used),
        'X-RateLimit-Reset': ((b.resetAt / 1000).toFixed(3)),
        'X-RateLimit-Reset-After': resetAfter,
        'X-RateLimit-Bucket': 'fake-interaction-webhook',
      },
    };
  }

  // ---- users, guilds, channels -------------------------------------------------------------------------

  ensureUser(id: string, username?: string): FakeUser {
    let u = this.users.get(id);
    if (!u) {
      u = { id, username: username ?? `user${id.slice(-4)}`, global_name: null, discriminator: '0', avatar: null };
      this.users.set(id, u);
    } else if (username && u.username !== username && !u.bot) {
      u.username = username;
    }
    return u;
  }

  addGuild(id?: string, opts: { shard?: number; name?: string; locale?: string } = {}): string {
    let guildId = id;
    if (!guildId) {
      let t = Date.now();
      guildId = snowflakeFromTime(t);
      // Walk the timestamp until the id lands on the wanted shard; a few ms at most.
      while (opts.shard !== undefined && shardOfGuild(guildId, this.shardCount) !== opts.shard % this.shardCount) {
        guildId = snowflakeFromTime(--t);
      }
    }
    if (this.guilds.has(guildId)) return guildId;
    const owner = this.ensureUser(snowflakeFromTime(Date.now() - 86_400_000), 'guild-owner');
    const guild: FakeGuild = {
      id: guildId,
      name: opts.name ?? `Fake Guild ${this.guilds.size + 1}`,
      ownerId: owner.id,
      defaultChannelId: '',
      locale: opts.locale ?? 'en-US',
      roles: [],
      memberRoles: new Map(),
    };
    this.guilds.set(guildId, guild);
    const channelId = newSnowflake();
    this.channels.set(channelId, { id: channelId, type: 0, guildId, name: 'general', lastMessageId: null });
    guild.defaultChannelId = channelId;
    this.onGuildAdded(guildId);
    return guildId;
  }

  addChannel(guildId: string, opts: { id?: string; name?: string } = {}): string {
    if (!this.guilds.has(guildId)) throw new Error(`unknown guild ${guildId}`);
    const id = opts.id ?? newSnowflake();
    const existing = this.channels.get(id);
    if (existing) {
      if (existing.guildId !== guildId) throw new Error(`channel ${id} belongs to ${existing.guildId ?? 'a DM'}`);
      return id;
    }
    this.channels.set(id, { id, type: 0, guildId, name: opts.name ?? `channel-${id.slice(-4)}`, lastMessageId: null });
    this.onChannelAdded(id);
    return id;
  }

  guild(guildId: string): FakeGuild {
    const g = this.guilds.get(guildId);
    if (!g) throw new Error(`unknown guild ${guildId}`);
    return g;
  }

  /** A role of the guild (announced with GUILD_ROLE_CREATE), placed above the existing ones. */
  addRole(guildId: string, opts: { id?: string; name?: string; permissions?: string; color?: number } = {}): string {
    const g = this.guild(guildId);
    const id = opts.id ?? newSnowflake();
    if (id === guildId || g.roles.some((r) => r.id === id)) return id;
    g.roles.push({ id, name: opts.name ?? `role-${id.slice(-4)}`, permissions: opts.permissions ?? '0', color: opts.color ?? 0, position: g.roles.length + 1 });
    this.onRoleAdded(guildId, id);
    return id;
  }

  /** Replaces the member's roles (ids of roles of that guild; @everyone is implied, as on Discord). */
  setMemberRoles(guildId: string, userId: string, roleIds: string[]): void {
    const g = this.guild(guildId);
    const unknown = roleIds.filter((r) => !g.roles.some((x) => x.id === r));
    if (unknown.length) throw new Error(`unknown role(s) ${unknown.join(', ')} in guild ${guildId}: addRole first`);
    this.ensureUser(userId);
    // No GUILD_MEMBER_UPDATE: it needs the privileged GuildMembers intent; interactions carry the roles.
    g.memberRoles.set(userId, [...roleIds]);
  }

  dmChannelFor(userId: string): FakeChannel {
    const known = this.dmByUser.get(userId);
    if (known) return this.channels.get(known)!;
    this.ensureUser(userId);
    const ch: FakeChannel = { id: newSnowflake(), type: 1, guildId: null, recipientId: userId, lastMessageId: null };
    this.channels.set(ch.id, ch);
    this.dmByUser.set(userId, ch.id);
    return ch;
  }

  shardOf(guildId: string | null, shardCount = this.shardCount): number {
    return guildId === null ? 0 : shardOfGuild(guildId, shardCount);
  }

  // ---- API object shapes -------------------------------------------------------------------------------

  apiUser(id: string): any {
    const u = this.ensureUser(id);
    const out: any = {
      id: u.id,
      username: u.username,
      global_name: u.global_name,
      discriminator: u.discriminator,
      avatar: u.avatar,
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
    };
    if (u.bot) out.bot = true;
    return out;
  }

  apiMember(guildId: string, userId: string, withUser = true): any {
    const joined = new Date(Math.max(timeFromSnowflake(guildId), Date.now() - 86_400_000)).toISOString();
    const m: any = {
      nick: null,
      avatar: null,
      banner: null,
      roles: [...(this.guilds.get(guildId)?.memberRoles.get(userId) ?? [])],
      joined_at: joined,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
    if (withUser) m.user = this.apiUser(userId);
    return m;
  }

  apiChannel(ch: FakeChannel): any {
    if (ch.type === 1) {
      return {
        id: ch.id,
        type: 1,
        last_message_id: ch.lastMessageId,
        flags: 0,
        recipients: [this.apiUser(ch.recipientId!)],
      };
    }
    const siblings = [...this.channels.values()].filter((c) => c.guildId === ch.guildId);
    return {
      id: ch.id,
      type: 0,
      guild_id: ch.guildId,
      name: ch.name,
      position: siblings.indexOf(ch),
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: ch.lastMessageId,
      rate_limit_per_user: 0,
      flags: 0,
    };
  }

  apiEveryoneRole(guildId: string): any {
    return {
      id: guildId,
      name: '@everyone',
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: 0,
      permissions: DEFAULT_PERMISSIONS,
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  apiRole(guildId: string, roleId: string): any | undefined {
    if (roleId === guildId) return this.apiEveryoneRole(guildId);
    const r = this.guilds.get(guildId)?.roles.find((x) => x.id === roleId);
    if (!r) return undefined;
    return { ...this.apiEveryoneRole(guildId), id: r.id, name: r.name, color: r.color, colors: { primary_color: r.color, secondary_color: null, tertiary_color: null }, position: r.position, permissions: r.permissions, mentionable: true };
  }

  apiRoles(guildId: string): any[] {
    return [guildId, ...this.guild(guildId).roles.map((r) => r.id)].map((id) => this.apiRole(guildId, id));
  }

  apiGuild(guildId: string, forGateway: boolean): any {
    const g = this.guilds.get(guildId)!;
    const base: any = {
      id: g.id,
      name: g.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: g.ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: this.apiRoles(g.id),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: g.defaultChannelId,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: g.locale,
      nsfw_level: 0,
      max_members: 500000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      incidents_data: null,
    };
    if (!forGateway) return base;
    const channels = [...this.channels.values()].filter((c) => c.guildId === g.id).map((c) => this.apiChannel(c));
    return {
      ...base,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      members: [this.apiMember(g.id, this.botUser.id)],
      channels,
      threads: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      lazy: true,
    };
  }

  apiMessage(m: FakeMessage): any {
    const out: any = {
      id: m.id,
      type: m.type,
      channel_id: m.channelId,
      author: this.apiUser(m.authorId),
      content: m.content ?? '',
      timestamp: new Date(m.createdAt).toISOString(),
      edited_timestamp: m.editedAt ? new Date(m.editedAt).toISOString() : null,
      tts: false,
      mention_everyone: m.mentionEveryone,
      mentions: m.mentions.map((id) => this.apiUser(id)),
      mention_roles: m.mentionRoles,
      attachments: m.attachments,
      embeds: m.embeds ?? [],
      pinned: false,
      flags: m.flags ?? 0,
      components: m.components ?? [],
    };
    if (m.webhookId) {
      out.webhook_id = m.webhookId;
      out.application_id = this.applicationId;
    }
    const i = m.interactionId ? this.interactions.get(m.interactionId) : undefined;
    if (i) {
      out.interaction_metadata = {
        id: i.id,
        type: i.type,
        user: this.apiUser(i.userId),
        authorizing_integration_owners: i.payload.authorizing_integration_owners,
        ...(i.commandName ? { name: i.commandName, command_type: i.commandType ?? 1 } : {}),
        ...(i.componentMessageId ? { interacted_message_id: i.componentMessageId } : {}),
        ...(m.id !== i.originalMessageId && i.originalMessageId
          ? { original_response_message_id: i.originalMessageId }
          : {}),
      };
      if (i.commandName) {
        out.interaction = { id: i.id, type: i.type, name: i.commandName, user: this.apiUser(i.userId) };
      }
    }
    return out;
  }

  // ---- interactions ------------------------------------------------------------------------------------

  registerInteraction(i: FakeInteraction): void {
    this.interactions.set(i.id, i);
    this.interactionsByToken.set(i.token, i);
  }

  interactionByToken(token: string): FakeInteraction | undefined {
    return this.interactionsByToken.get(token);
  }

  findInteraction(idOrToken: string): FakeInteraction | undefined {
    return this.interactions.get(idOrToken) ?? this.interactionsByToken.get(idOrToken);
  }

  // ---- messages ----------------------------------------------------------------------------------------

  /** 413 when any file is over the per-request limit or the fake's hard cap. */
  checkUploadSize(files: UploadedFile[], limit: number): Result | undefined {
    const cap = Math.min(limit, this.maxUploadBytes ?? Number.POSITIVE_INFINITY);
    return files.some((f) => f.size > cap) ? Errors.tooLarge() : undefined;
  }

  /**
   * Creates a message from a JSON body and uploaded files. Files are hosted on the fake CDN; the body's
   * `attachments` may rename or describe them by their `files[n]` index.
   */
  createMessage(input: {
    channelId: string;
    body: any;
    files: UploadedFile[];
    type: number;
    webhook?: boolean;
    interactionId?: string;
    flags?: number;
    /** Default: the bot. */
    authorId?: string;
  }): FakeMessage {
    const body = input.body ?? {};
    const ch = this.channels.get(input.channelId);
    const newFiles = this.indexFiles(input.files);
    const attachments: FakeAttachment[] = [];
    const used = new Set<string>();
    if (Array.isArray(body.attachments)) {
      for (const a of body.attachments) {
        const file = newFiles.get(String(a?.id));
        if (!file) continue;
        used.add(String(a.id));
        attachments.push(this.hostUpload(input.channelId, file, a));
      }
    }
    // A file nobody referenced still gets attached on creation, as Discord does.
    for (const [n, file] of newFiles) if (!used.has(n)) attachments.push(this.hostUpload(input.channelId, file));
    const m: FakeMessage = {
      id: newSnowflake(),
      channelId: input.channelId,
      guildId: ch?.guildId ?? null,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      attachments,
      flags: input.flags ?? (typeof body.flags === 'number' ? body.flags : 0),
      authorId: input.authorId ?? this.botUser.id,
      type: input.type,
      mentions: [],
      mentionRoles: [],
      mentionEveryone: false,
      createdAt: Date.now(),
      edits: 0,
    };
    if (input.webhook) m.webhookId = this.applicationId;
    if (input.interactionId) m.interactionId = input.interactionId;
    this.setMentions(m, body, input.webhook ? 'webhook' : 'message');
    this.messages.set(m.id, m);
    if (ch) ch.lastMessageId = m.id;
    return m;
  }

  /**
   * Edits a message. Only fields present change; the result keeps exactly the attachments the body lists
   * (existing ones by id, new uploads by their `files[n]` index), or all old ones plus new uploads when the
   * body has no `attachments`.
   */
  editMessage(m: FakeMessage, body: any, files: UploadedFile[], via: MentionContext): FakeMessage {
    body = body ?? {};
    const newFiles = this.indexFiles(files);
    if ('content' in body) m.content = body.content ?? '';
    if ('embeds' in body) m.embeds = body.embeds ?? [];
    if ('components' in body) m.components = body.components ?? [];
    if (Array.isArray(body.attachments)) {
      const next: FakeAttachment[] = [];
      for (const a of body.attachments) {
        const id = String(a?.id);
        const old = m.attachments.find((x) => x.id === id);
        if (old) next.push(old);
        else {
          const file = newFiles.get(id);
          if (file) next.push(this.hostUpload(m.channelId, file, a));
        }
      }
      m.attachments = next;
    } else if (body.attachments === null) {
      m.attachments = [];
    } else if (newFiles.size > 0) {
      m.attachments = [...m.attachments, ...[...newFiles.values()].map((f) => this.hostUpload(m.channelId, f))];
    }
    // Ephemeral sticks; any edit ends the "thinking..." state of a deferred reply.
    // So does IS_COMPONENTS_V2 (an edit taking it off is refused before it gets here).
    const keep = (m.flags ?? 0) & (FLAG_EPHEMERAL | FLAG_COMPONENTS_V2);
    const requested = typeof body.flags === 'number' ? body.flags : (m.flags ?? 0);
    m.flags = keep | (requested & ~(FLAG_EPHEMERAL | FLAG_LOADING));
    // Mentions are rebuilt from scratch when the content changes, and only then (Discord's docs, edit message).
    // In a V2 message the text displays are what can mention.
    if ('content' in body || (((m.flags ?? 0) & FLAG_COMPONENTS_V2) !== 0 && 'components' in body)) this.setMentions(m, body, via);
    m.editedAt = Date.now();
    m.edits++;
    return m;
  }

  /** Whether an edit would leave the message with nothing to show (Discord rejects that). */
  wouldBeEmpty(m: FakeMessage | undefined, body: any, files: UploadedFile[]): boolean {
    const b = body ?? {};
    const content = 'content' in b ? b.content : m?.content;
    const embeds = 'embeds' in b ? b.embeds : m?.embeds;
    const components = 'components' in b ? b.components : m?.components;
    const keptAttachments = Array.isArray(b.attachments) ? b.attachments.length : (m?.attachments.length ?? 0);
    return !content && !(embeds?.length > 0) && !(components?.length > 0) && keptAttachments === 0 && files.length === 0;
  }

  /**
   * The file names the message carries after this write, by the rules of `createMessage` and `editMessage`:
   * what `attachment://name` in a V2 component may point at.
   */
  attachmentNamesAfter(existing: FakeMessage | undefined, body: any, files: UploadedFile[]): string[] {
    const newFiles = this.indexFiles(files);
    const nameOf = (file: UploadedFile, meta?: any): string => (typeof meta?.filename === 'string' ? meta.filename : file.filename);
    const listed = Array.isArray(body?.attachments) ? (body.attachments as any[]) : undefined;
    if (listed) {
      const names: string[] = [];
      const used = new Set<string>();
      for (const a of listed) {
        const id = String(a?.id);
        const old = existing?.attachments.find((x) => x.id === id);
        const file = newFiles.get(id);
        if (old) names.push(old.filename);
        else if (file) {
          used.add(id);
          names.push(nameOf(file, a));
        }
      }
      // On creation a file nobody listed is still attached (see createMessage); an edit drops it.
      if (!existing) for (const [n, f] of newFiles) if (!used.has(n)) names.push(f.filename);
      return names;
    }
    const kept = body?.attachments === null ? [] : (existing?.attachments.map((a) => a.filename) ?? []);
    return [...kept, ...[...newFiles.values()].map((f) => f.filename)];
  }

  /** Everything Discord checks in a message write's body: its limits, and Components V2's rules. */
  messageWriteRefusal(existing: FakeMessage | undefined, body: any, files: UploadedFile[]): Result | undefined {
    const v2 = isV2Write(body, existing);
    return (
      messageBodyRefusal(body, v2) ??
      componentsV2Refusal({ body, existing, attachmentNames: this.attachmentNamesAfter(existing, body, files) })
    );
  }

  private indexFiles(files: UploadedFile[]): Map<string, UploadedFile> {
    const out = new Map<string, UploadedFile>();
    for (const f of files) {
      const n = fileIndex(f.field);
      if (n !== null) out.set(n, f);
    }
    return out;
  }

  private hostUpload(channelId: string, file: UploadedFile, meta?: any): FakeAttachment {
    const hosted: HostedFile = this.cdn.host({
      folder: channelId,
      filename: typeof meta?.filename === 'string' ? meta.filename : file.filename,
      ...(file.contentType ? { contentType: file.contentType } : {}),
      ...(typeof meta?.description === 'string' ? { description: meta.description } : {}),
      data: file.data,
    });
    return this.cdn.toApi(hosted);
  }

  /** Who this write notifies (`mentionsOf`); every write that notifies anyone is kept in `pings`. */
  private setMentions(m: FakeMessage, body: any, via: MentionContext): void {
    const found = mentionsOf([m.content ?? '', ...textDisplays(m)].join('\n'), body.allowed_mentions, via);
    m.mentions = found.users;
    m.mentionRoles = found.roles;
    m.mentionEveryone = found.everyone;
    for (const id of m.mentions) this.ensureUser(id);
    if (found.users.length || found.roles.length || found.everyone) this.pings.push({ messageId: m.id, channelId: m.channelId, ...found, at: Date.now() });
  }
}

/** The text displays of a Components V2 message, nested ones included. */
function textDisplays(m: FakeMessage): string[] {
  if (((m.flags ?? 0) & FLAG_COMPONENTS_V2) === 0) return [];
  const out: string[] = [];
  const visit = (c: any): void => {
    if (c?.type === 10 && typeof c.content === 'string') out.push(c.content);
    for (const child of Array.isArray(c?.components) ? c.components : []) visit(child);
  };
  for (const c of m.components ?? []) visit(c);
  return out;
}

/** A failure as Discord answers it; 429s carry the rate-limit headers @discordjs/rest reads. */
function failureResult(f: FailureSpec): Result {
  const message = f.message ?? defaultMessage(f.status, f.code);
  const code = f.code ?? 0;
  if (f.status === 429) {
    const retryAfter = f.retryAfter ?? 0.1;
    return {
      status: 429,
      json: { message: 'You are being rate limited.', retry_after: retryAfter, global: false, code },
      headers: {
        'Retry-After': String(retryAfter),
        'X-RateLimit-Limit': '5',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset-After': String(retryAfter),
        'X-RateLimit-Scope': 'user',
      },
    };
  }
  return apiError(f.status, code, message);
}

function matches(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(path);
}

function defaultMessage(status: number, code: number | undefined): string {
  const known: Record<number, string> = {
    10003: 'Unknown Channel',
    10008: 'Unknown Message',
    10015: 'Unknown Webhook',
    10062: 'Unknown interaction',
    40005: 'Request entity too large',
    40060: 'Interaction has already been acknowledged.',
    50001: 'Missing Access',
    50007: 'Cannot send messages to this user',
    50013: 'Missing Permissions',
    50027: 'Invalid Webhook Token',
  };
  if (code !== undefined && known[code]) return known[code]!;
  const byStatus: Record<number, string> = {
    400: '400: Bad Request',
    401: '401: Unauthorized',
    403: '403: Forbidden',
    404: '404: Not Found',
    500: '500: Internal Server Error',
    502: '502: Bad Gateway',
    503: '503: Service Unavailable',
  };
  return byStatus[status] ?? `${status}: Error`;
}

// ---- what Discord refuses in a message body, and whom a message pings ------------------------------------


function embedChars(e: any): number {
  if (!e || typeof e !== 'object') return 0;
  let n = chars(e.title ?? '') + chars(e.description ?? '');
  n += chars(e.footer?.text ?? '');
  n += chars(e.author?.name ?? '');
  for (const f of e.fields ?? []) n += chars(f.name ?? '') + chars(f.value ?? '');
  return n;
}

const MENTION_TYPES = ['users', 'roles', 'everyone'];

/** `parse` may not name a type whose ids are also listed (Discord's docs, allowed mentions object). */
function allowedMentionsProblem(am: unknown): Result | undefined {
  if (am === undefined || am === null) return undefined;
  if (typeof am !== 'object') return formError(['allowed_mentions'], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  const { parse, users, roles } = am as { parse?: unknown; users?: unknown; roles?: unknown };
  if (parse !== undefined && (!Array.isArray(parse) || parse.some((p) => !MENTION_TYPES.includes(p)))) {
    return formError(['allowed_mentions', 'parse'], 'BASE_TYPE_CHOICES', "Value must be one of ('roles', 'users', 'everyone').");
  }
  for (const [key, ids] of [['users', users], ['roles', roles]] as const) {
    if (ids === undefined || ids === null) continue;
    if (!Array.isArray(ids)) return formError(['allowed_mentions', key], 'BASE_TYPE_ARRAY', 'Must be an array.');
    if (ids.length > 100) return formError(['allowed_mentions', key], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    if (ids.length > 0 && Array.isArray(parse) && parse.includes(key)) {
      return formError(['allowed_mentions'], 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', `parse:["${key}"] and ${key}: [ids...] are mutually exclusive.`);
    }
  }
  return undefined;
}

/**
 * The limits Discord enforces on a message body (docs/discord.md); the first violation as 400/50035.
 * `componentsV2`: whether the message is a V2 one after this write (an edit need not repeat the flag); V2
 * components are checked by `componentsV2Refusal`.
 */
export function messageBodyRefusal(body: any, componentsV2 = ((body?.flags ?? 0) & FLAG_COMPONENTS_V2) !== 0): Result | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  if (typeof body.content === 'string' && chars(body.content) > 2000) {
    return formError(['content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  }
  if (Array.isArray(body.embeds)) {
    if (body.embeds.length > 10) return formError(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    const total = body.embeds.reduce((n: number, e: any) => n + embedChars(e), 0);
    if (total > 6000) return formError(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  }
  const mentions = allowedMentionsProblem(body.allowed_mentions);
  if (mentions) return mentions;
  if (Array.isArray(body.components) && !componentsV2) {
    if (body.components.length > 5) {
      return formError(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    }
    const customIds = new Set<string>();
    for (const [r, row] of body.components.entries()) {
      if (row?.type !== 1) return formError(['components', r, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
      const items: any[] = row.components ?? [];
      if (items.length < 1 || items.length > 5) {
        return formError(['components', r, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
      }
      for (const [c, comp] of items.entries()) {
        if (comp?.type !== 2) continue;
        const bad = buttonProblem(comp, ['components', r, 'components', c], customIds);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}

/**
 * Who a write notifies (Discord's docs, allowed mentions object). Without `allowed_mentions` the default
 * depends on the endpoint: a regular message parses users, roles and @everyone/@here; an interaction
 * response or webhook message parses users only. With it, only what it allows. An edit without it gets the
 * default again, whatever the message was created with. The fake assumes the bot may mention everyone.
 */
export type MentionContext = 'message' | 'webhook';
export interface Mentions {
  users: string[];
  roles: string[];
  everyone: boolean;
}

const DEFAULT_ALLOWED: Record<MentionContext, { parse: string[] }> = {
  message: { parse: ['users', 'roles', 'everyone'] },
  webhook: { parse: ['users'] },
};

export function mentionsOf(content: string, allowedMentions: any, context: MentionContext): Mentions {
  const am = allowedMentions ?? DEFAULT_ALLOWED[context];
  const parse: string[] = Array.isArray(am.parse) ? am.parse : [];
  const pick = (type: 'users' | 'roles', found: string[]): string[] => {
    const listed: string[] = Array.isArray(am[type]) ? am[type] : [];
    return [...new Set(found)].filter((id) => parse.includes(type) || listed.includes(id));
  };
  return {
    users: pick('users', [...content.matchAll(/<@!?(\d{15,21})>/g)].map((x) => x[1]!)),
    roles: pick('roles', [...content.matchAll(/<@&(\d{15,21})>/g)].map((x) => x[1]!)),
    everyone: parse.includes('everyone') && /@(everyone|here)/.test(content),
  };
}
