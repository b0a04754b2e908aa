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
  /** `preferred_locale`, sent as `guild_locale` on interactions. */
  locale: string;
  /** Roles besides @everyone (whose id is the guild's). */
  roles: FakeRole[];
  /** Role ids per member (user id); members not listed have none. */
  memberRoles: Map<string, string[]>;
}

export interface FakeRole {
  id: string;
  name: string;
  /** Permission bitfield as a decimal string. */
  permissions: string;
  color: number;
  position: number;
}

/** A modal the bot showed (interaction callback type 9), as sent. */
export interface ShownModal {
  /** The interaction the modal answered. */
  interactionId: string;
  userId: string;
  customId: string;
  title: string;
  components: any[];
  /** When the fake accepted it, and how long after the interaction's delivery. */
  at: number;
  latencyMs: number;
  /** Set once a submit of it was dispatched: a modal is submitted once. */
  submittedBy?: string;
}

/** An autocomplete answer (callback type 8). */
export interface AutocompleteAnswer {
  interactionId: string;
  choices: { name: string; value: string | number; name_localizations?: Record<string, string> }[];
  /** From the interaction's delivery to the answer; Discord gives 3 s. */
  latencyMs: number;
  at: number;
}

/** A request body checked against Discord's published OpenAPI spec (package discord-api-spec). */
export interface SpecFinding {
  /** error: the body contradicts the spec; warning: a field the spec does not (yet) describe. */
  level: 'error' | 'warning';
  /** The route as a template, e.g. `PATCH /webhooks/:app/:token/messages/:message`. */
  route: string;
  schema: string;
  /** Where in the body, e.g. `data.components.0.type`. */
  path: string;
  message: string;
  at: number;
}

export interface FakeInteraction {
  id: string;
  token: string;
  /** 2 application command, 3 component, 4 autocomplete, 5 modal submit. */
  type: 2 | 3 | 4 | 5;
  /** Application commands and autocomplete: 1 slash, 2 user, 3 message command. */
  commandType?: 1 | 2 | 3;
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
  /** Callback type used to acknowledge it, once acknowledged, and when. */
  ackType?: number;
  ackAt?: number;
  /** The modal it was answered with (callback type 9). */
  modal?: ShownModal;
  /** The autocomplete answer (callback type 8). */
  autocomplete?: AutocompleteAnswer;
  /** Modal submits: the interaction whose modal was submitted. */
  modalOf?: string;
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

/** Where and by whom an interaction happens; every `send*` takes these. */
export interface InteractionOrigin {
  /** undefined: the first guild; null: a DM. */
  guildId?: string | null;
  /** A channel of that guild (created and announced when new); default: the guild's first channel. */
  channelId?: string;
  user?: { id: string; username?: string };
  /** Member permission bitfield as a decimal string (guilds only). */
  memberPermissions?: string;
  /** Sets the member's roles (ids from `addRole`) before the interaction; they stay set. */
  roles?: string[];
  /** Milliseconds since the Unix epoch, encoded in the interaction id. */
  createdAt?: number;
  /** interaction.attachment_size_limit (default 10 MiB). */
  attachmentSizeLimit?: number;
  appPermissions?: string;
  /** The user's client language, `interaction.locale` (default en-US). */
  locale?: string;
  /** `guild_locale` for this interaction (default: the guild's preferred locale). */
  guildLocale?: string;
}

export interface SendCommandOptions extends InteractionOrigin {
  name: string;
  /** Raw API options (`{name, type, value}`; subcommands nest `options`). */
  options?: any[];
  /** Placed in data.resolved.attachments; options of type 11 reference them by id. */
  attachments?: FakeAttachment[];
}

/** A message context-menu command (type 3) used on a message. */
export interface SendMessageCommandOptions extends InteractionOrigin {
  name: string;
  /** The target: a message the fake holds (`addMessage`, or one the bot posted); it lands in data.resolved.messages. */
  messageId: string;
}

/** An autocomplete request: `options` as for a command, exactly one of them (maybe nested) with `focused: true`. */
export interface SendAutocompleteOptions extends InteractionOrigin {
  name: string;
  options: any[];
}

/** A file a member uploads in a modal's File Upload. */
export interface UploadSpec {
  filename: string;
  contentType?: string;
  width?: number;
  height?: number;
  data: Buffer;
}

export interface SubmitModalOptions {
  /** The interaction (id or token) whose modal is submitted. */
  interaction: string;
  /** Must equal the shown modal's custom id (default: it). */
  customId?: string;
  /**
   * Values by input custom id: a string for a text input or radio group, string[] for selects and checkbox
   * groups, a boolean for a checkbox, UploadSpec[] for a File Upload. Inputs not given submit what they were
   * prefilled with (a text input's value, default options), else nothing.
   */
  values?: Record<string, string | string[] | boolean | UploadSpec[]>;
  createdAt?: number;
  locale?: string;
}

/** A message a member posted, for message commands to target. */
export interface AddMessageOptions {
  /** Default: the first guild's first channel. */
  channelId?: string;
  author?: { id: string; username?: string };
  content?: string;
  /** Uploaded with the message (hosted on the fake CDN in that channel). */
  files?: UploadSpec[];
  /** Embeds as Discord stores them; `embedImages` adds one embed per image, hosted on the fake CDN. */
  embeds?: any[];
  embedImages?: UploadSpec[];
}

export interface SendButtonOptions extends InteractionOrigin {
  customId: string;
  messageId: string;
  user: { id: string; username?: string };
  memberPermissions?: string;
  createdAt?: number;
  attachmentSizeLimit?: number;
  appPermissions?: string;
  /** interaction.locale (default en-US), as for commands. */
  locale?: string;
  /** 2 button (default) or 3 string select, with the chosen `values`. */
  componentType?: 2 | 3;
  values?: string[];
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
  /*
   * Driving each interaction kind: sendCommand (slash), sendButton (button or select), sendMessageCommand
   * (message context menu, target from addMessage), sendAutocomplete, and submitModal after the bot showed a
   * modal (modalFor / waitForModal).
   */
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
  /** A message context-menu command (type 3) on a message the fake holds (see `addMessage`). */
  sendMessageCommand(opts: SendMessageCommandOptions): SentInteraction;
  /** An autocomplete request (type 4); the bot's answer appears in `autocompleteAnswer`. */
  sendAutocomplete(opts: SendAutocompleteOptions): SentInteraction;
  /**
   * The member submits the modal shown for `opts.interaction` (MODAL_SUBMIT, type 5): text values, select
   * values, uploaded files (hosted on the fake CDN, in data.resolved.attachments). Throws when no such modal
   * was shown, it was already submitted, or the values break its inputs' rules.
   */
  submitModal(opts: SubmitModalOptions): SentInteraction;
  /** Every modal the bot showed, in order. */
  modals: ShownModal[];
  /** The modal shown in answer to that interaction (undefined when none). */
  modalFor(interactionIdOrToken: string): ShownModal | undefined;
  /** Resolves once a modal answers that interaction. */
  waitForModal(interactionIdOrToken: string, opts?: { timeoutMs?: number }): Promise<ShownModal>;
  autocompleteAnswers: AutocompleteAnswer[];
  autocompleteAnswer(interactionIdOrToken: string): AutocompleteAnswer | undefined;
  waitForAutocomplete(interactionIdOrToken: string, opts?: { timeoutMs?: number }): Promise<AutocompleteAnswer>;

  /** Request bodies checked against Discord's published spec: errors (a test asserts none) and warnings. */
  specFindings: SpecFinding[];
  specErrors(): SpecFinding[];
  specWarnings(): SpecFinding[];
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
  /**
   * CDN downloads wait from now on (the bot's probe of an image's bytes hangs) until `release`; `waiting` counts
   * the requests held so far.
   */
  holdAttachments(): { waiting(): number; release(): void };

  messages: Map<string, FakeMessage>;
  /** Messages of a channel as its members see them, oldest first: deleted and ephemeral ones excluded. */
  channelMessages(channelId: string): FakeMessage[];
  /** The interaction's own messages (its reply and follow-ups, ephemeral ones included), oldest first, deleted ones excluded. */
  interactionMessages(interactionIdOrToken: string): FakeMessage[];
  /** A message a member posted (not the bot), with files and embed images on the fake CDN: a target for message commands. */
  addMessage(opts?: AddMessageOptions): FakeMessage;

  readonly guilds: { id: string; shard: number }[];
  /** Adds a guild (to the shard `opts.shard` if no id is given) and announces it with GUILD_CREATE. */
  addGuild(id?: string, opts?: { shard?: number; name?: string; locale?: string }): string;
  /** The guild's preferred locale, sent as `guild_locale`. */
  setGuildLocale(guildId: string, locale: string): void;
  /** A role in the guild (announced with GUILD_ROLE_CREATE); returns its id. */
  addRole(guildId: string, opts?: { id?: string; name?: string; permissions?: string; color?: number }): string;
  /** The member's role ids from now on (what `member.roles` carries in interactions and GET member). */
  setMemberRoles(guildId: string, userId: string, roleIds: string[]): void;
  /** Text channels of the guild, oldest first. */
  guildChannels(guildId: string): string[];
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
