import type { UploadedFile } from './multipart';

export interface RecordedCall {
  method: string;
  /** Decoded, without `/api/v10`, e.g. `/webhooks/APP/TOKEN/messages/@original`. */
  path: string;
  query: Record<string, string>;
  /** The Authorization header as sent (undefined when absent). */
  auth: string | undefined;
  /** JSON body, or the parsed `payload_json` of a multipart body. */
  body: any;
  files: UploadedFile[];
  /** The status the fake answered. */
  status: number;
  /** The JSON the fake answered (undefined for 204 and binary answers). */
  response?: any;
  at: number;
}

/** Discord's attachment object, as found in `data.resolved.attachments` and in messages. */
export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number;
  height?: number;
  description?: string;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  content?: string;
  components?: any;
  embeds?: any[];
  attachments: FakeAttachment[];
  flags?: number;
  authorId: string;
  /** The application id for interaction responses and follow-ups. */
  webhookId?: string;
  /** The interaction this message answers (original response or follow-up). */
  interactionId?: string;
  /** Message type: 0 default, 20 chat input command reply, 19 reply. */
  type: number;
  /** Ids of users the latest write of this message notified, after allowed_mentions (see `Ping`). */
  mentions: string[];
  mentionRoles: string[];
  mentionEveryone: boolean;
  createdAt: number;
  editedAt?: number;
  /** How many times it was edited. */
  edits: number;
  deleted?: boolean;
}

/** One message write that notified someone: who, as Discord works it out from content and allowed_mentions. */
export interface Ping {
  messageId: string;
  channelId: string;
  users: string[];
  roles: string[];
  /** @everyone or @here. */
  everyone: boolean;
  at: number;
}

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  bot?: boolean;
}

export interface FakeChannel {
  id: string;
  type: 0 | 1;
  guildId: string | null;
  name?: string;
  /** DM channels: the other user. */
  recipientId?: string;
  lastMessageId: string | null;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  defaultChannelId: string;
}

export interface FakeInteraction {
  id: string;
  token: string;
  type: 2 | 3;
  /** Creation time encoded in the id; the token dies 15 minutes after it. */
  createdAt: number;
  /** When the fake dispatched it; the 3 s acknowledgement window starts here. */
  sentAt: number;
  guildId: string | null;
  channelId: string;
  userId: string;
  attachmentSizeLimit: number;
  commandName?: string;
  customId?: string;
  /** Component interactions: the message the component sits on. */
  componentMessageId?: string;
  /** Callback type used to acknowledge it, once acknowledged. */
  ackType?: number;
  ephemeral: boolean;
  /** The message `@original` stands for, once acknowledged. */
  originalMessageId?: string;
  followupIds: string[];
  payload: any;
}

export interface FailureSpec {
  status: number;
  code?: number;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** For 429: seconds sent as Retry-After and X-RateLimit-Reset-After. */
  retryAfter?: number;
}

export interface SendCommandOptions {
  name: string;
  /** Raw API options (`{name, type, value}`; subcommands nest `options`). */
  options?: any[];
  /** undefined: the first guild; null: a DM. */
  guildId?: string | null;
  channelId?: string;
  user?: { id: string; username?: string };
  /** Member permission bitfield as a decimal string (guilds only). */
  memberPermissions?: string;
  /** Placed in data.resolved.attachments; options of type 11 reference them by id. */
  attachments?: FakeAttachment[];
  /** Milliseconds since the Unix epoch, encoded in the interaction id. */
  createdAt?: number;
  /** interaction.attachment_size_limit (default 10 MiB). */
  attachmentSizeLimit?: number;
  appPermissions?: string;
  locale?: string;
}

export interface SendButtonOptions {
  customId: string;
  messageId: string;
  guildId?: string | null;
  channelId?: string;
  user: { id: string; username?: string };
  memberPermissions?: string;
  createdAt?: number;
  attachmentSizeLimit?: number;
  appPermissions?: string;
  /** interaction.locale (default en-US), as for commands. */
  locale?: string;
}

export interface SentInteraction {
  id: string;
  token: string;
  createdAt: number;
  /** The INTERACTION_CREATE payload as dispatched. */
  payload: any;
}

export interface StartOptions {
  /** Returned by /gateway/bot as the recommended shard count (default 1). */
  shardCount?: number;
  /** Hard cap on any uploaded file: 413/40005 even below the stated limit. */
  maxUploadBytes?: number;
  /** Guilds created at start (default: one per shard, so every shard has one). */
  guildCount?: number;
  /**
   * Per interaction token webhook bucket, answered with X-RateLimit-* headers and 429 when exceeded
   * (default: off, no rate-limit headers at all).
   */
  webhookRateLimit?: { limit: number; windowMs: number };
  /**
   * Asked for every REST call that no `failNext` failure answers (the body already parsed): a failure to answer
   * instead, or undefined to handle it. Off by default; the chaos suite draws its faults here.
   */
  faults?: (call: RecordedCall) => FailureSpec | undefined;
}

export interface FakeDiscord {
  /** `http://127.0.0.1:P/api`, for discord.js `rest.api`. */
  apiUrl: string;
  /** `http://127.0.0.1:P`. */
  origin: string;
  /** `ws://127.0.0.1:P/gateway`. */
  gatewayUrl: string;
  botToken: string;
  applicationId: string;
  botUserId: string;
  shardCount: number;

  calls: RecordedCall[];
  /** Every write that notified someone, in order: what a member would have seen as a ping. */
  pings: Ping[];
  callsTo(method: string, pathPattern: RegExp): RecordedCall[];
  waitForCall(
    method: string,
    pathPattern: RegExp,
    opts?: { timeoutMs?: number; count?: number; predicate?: (c: RecordedCall) => boolean },
  ): Promise<RecordedCall>;
  /** Requests to /cdn/... (downloads of hosted attachments). */
  cdnCalls: { method: string; path: string; query: Record<string, string>; status: number; at: number }[];

  sendCommand(opts: SendCommandOptions): SentInteraction;
  sendButton(opts: SendButtonOptions): SentInteraction;
  interactions: Map<string, FakeInteraction>;
  /** The token of every interaction this fake issued: credentials that must never reach a log. */
  interactionTokens(): string[];
  /** The message id `@original` stands for (undefined until acknowledged). */
  originalMessageId(interactionIdOrToken: string): string | undefined;
  /** Moves the interaction's creation 16 minutes back: its token is dead from now on. */
  expireInteraction(interactionIdOrToken: string): void;

  failNext(method: string, pathPattern: RegExp, response: FailureSpec): void;

  addAttachment(a: {
    filename: string;
    contentType?: string;
    width?: number;
    height?: number;
    data: Buffer;
    description?: string;
  }): FakeAttachment;
  /** Every signed link issued for it so far stops working (as after ~24 h); refresh-urls issues new ones. */
  expireAttachment(url: string): void;
  /** The attachment is gone: downloads answer 404 and refresh-urls omits it. */
  deleteAttachment(url: string): void;
  /** Bytes of a hosted attachment (uploaded by the bot or added by the test), by any of its URLs. */
  attachmentData(url: string): Buffer | undefined;

  messages: Map<string, FakeMessage>;
  /** Messages of a channel, oldest first, deleted ones excluded. */
  channelMessages(channelId: string): FakeMessage[];

  readonly guilds: { id: string; shard: number }[];
  /** Adds a guild (to the shard `opts.shard` if no id is given) and announces it with GUILD_CREATE. */
  addGuild(id?: string, opts?: { shard?: number; name?: string }): string;
  /** A text channel in the guild (announced with CHANNEL_CREATE when its shard is connected). */
  addChannel(guildId: string, opts?: { id?: string; name?: string }): string;
  defaultChannelId(guildId: string): string;
  /** The DM channel with that user (created on first use, as POST /users/@me/channels does). */
  dmChannelId(userId: string): string;
  addUser(u: { id?: string; username?: string; bot?: boolean }): FakeUser;

  /** POST/PATCH /channels/:id/messages answer 403 with this code. */
  forbidChannel(channelId: string, code?: 50001 | 50013): void;
  allowChannel(channelId: string): void;
  /** Sending to this user's DM channel answers 403/50007 (DMs closed). */
  forbidDM(userId: string): void;

  connections(): { shard: number; identified: boolean }[];
  /** Closes the shard's socket(s); code 4000 (default) makes discord.js resume, 1000 re-identify. */
  disconnectShard(shard: number, opts?: { code?: number }): void;
  /** Resolves once a connection of that shard has identified or resumed (after the given time). */
  waitForShard(shard: number, opts?: { timeoutMs?: number; since?: number }): Promise<void>;
  /** Gateway payloads received from clients (IDENTIFY, RESUME, heartbeats...). */
  gatewayReceived: { shard: number; op: number; d: any; at: number }[];

  close(): Promise<void>;
}
