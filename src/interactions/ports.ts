import type { Logger } from '../log';
import type { JobService } from '../jobs/service';
import type { LimitsService } from '../limits/service';
import type { LimitSettings } from '../limits/settings';
import type { AuditPort } from '../limits/audit';
import type { MessagePayload } from '../discord/render';
import type { Modal } from '../discord/modals';
import type { Job } from '../jobs/record';
import type { MakeVideoDrafts } from './drafts';
import type { Outgoing } from '../discord/outgoing';
import type { BudgetLeft } from '../discord/render-stats';
import type { VideoFile } from '../discord/messenger';
import type { Download } from '../jobs/download';
import type { JobRepo } from '../jobs/repo';
import type { AttachmentMeta, ReadHead } from '../validation';
import type { RefStore } from '../refs';
import type { JobOrigin } from './defer';
import type { ApprovalPosts } from './context';

/**
 * What the command and button handlers' cores use, as small ports: the discord.js edge (./edge.ts) implements
 * them for a real interaction, a test with in-memory doubles. The cores never see a discord.js object.
 */

/** Who ran the command or pressed the button, read off the interaction. */
export interface Actor {
  userId: string;
  /** Where it happened; null in DMs. */
  guildId: string | null;
  /** Manage Server where it happened (guards.ts). */
  moderator: boolean;
  /** The guild whose limits apply, or null for the bot default (scope.ts). */
  limitsScope: string | null;
  /** Their Discord client's language (`interaction.locale`): every answer is written in it. Absent: English. */
  locale?: string | undefined;
  /** The server's preferred language (`interaction.guildLocale`), for what the server reads rather than the member. */
  guildLocale?: string | null | undefined;
  /** The member's roles where the limits apply (scope.ts); empty with the bot default. */
  roleIds: string[];
  /** Where it happened, and a thread's parent channel (scope.ts). */
  channelId: string | null;
  parentChannelId: string | null;
}

/** The answer to the interaction: at most one acknowledgement, then one reply or one edit of it. */
export interface Reply {
  /**
   * A "thinking…" whose reply becomes the job's message; returns where that message lives. Public, or ephemeral
   * when `private` (only the requester sees it; docs/commands.md).
   */
  deferForJob(opts?: { private?: boolean }): Promise<JobOrigin>;
  /** A private "thinking…", for an answer that may take longer than Discord's 3 s. */
  deferPrivately(): Promise<void>;
  /** A sentence only the presser sees, to an interaction not acknowledged yet. */
  reply(text: string): Promise<void>;
  /** The deferred reply, replaced by the answer. */
  edit(message: MessagePayload): Promise<void>;
  /** A form, as the first answer to the interaction: Discord allows no deferral before it, and 3 s. */
  showModal(modal: Modal): Promise<void>;
}

/** The message a button was pressed on. */
export interface Pressed {
  channelId: string;
  messageId: string;
  /** Only the presser sees that message: a private job's reply, whose Re-roll, Remix and Final stay private. */
  ephemeral?: boolean;
}

export interface HandlerPorts {
  reply: Reply;
  jobs: Pick<JobService, 'get' | 'start' | 'startTakes' | 'cancel' | 'claimFinal' | 'releaseFinal' | 'approve' | 'deny' | 'notePost'>;
  /** Requests awaiting approval: their post in the approval channel (src/interactions/approval.ts). */
  posts: ApprovalPosts;
  /** Removes a job's message, the one pressed (JobMessage.remove); false when Discord refused. */
  removeJobMessage: (job: Job, at: Pressed) => Promise<boolean>;
  /** "Make a video"'s images between its form and the form's submit (./drafts.ts). */
  drafts: Pick<MakeVideoDrafts, 'put' | 'get'>;
  limits: Pick<LimitsService, 'caps' | 'reserve' | 'reserveTakes' | 'effective' | 'serverEffective' | 'usage' | 'resetMember' | 'server' | 'serverUsage'> & {
    settings: Pick<LimitSettings, 'setMember' | 'setServer'>;
  };
  /** The moderators' audit channel (src/discord/audit.ts). */
  audit: AuditPort;
  probe: (attachments: AttachmentMeta[]) => Promise<AttachmentMeta[]>;
  refreshImageUrls: (urls: string[]) => Promise<Map<string, string>>;
  /** Saved reference sets (/video-refs). */
  refs: Pick<RefStore, 'limits' | 'index' | 'visible' | 'suggest' | 'find' | 'findOwned' | 'get' | 'refusal' | 'save' | 'delete' | 'providerUrls'>;
  /** Reads an outside image whole (at most `maxBytes`), through the address guard, to keep it. */
  readImage: ReadHead;
  newJobId: () => string;
  /** A seed for a request that gave none, and for a re-roll (0..SEED_MAX). */
  newSeed: () => number;
  now: () => number;
  /** Work after a deferral, a few at a time (AppContext.afterDeferral). */
  afterDeferral: { run<T>(task: () => Promise<T>): Promise<T> };
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** An answer that may carry a file: a video sent again, the stats CSV. */
export interface FileReply extends Reply {
  /** The largest file this interaction's answer takes (Discord states it per interaction; 10 MiB when absent). */
  uploadLimit: number;
  /** The deferred reply, replaced by the answer (a plain message or a card) with the file attached when given. */
  editWithFile(message: Outgoing, file?: VideoFile): Promise<void>;
}

/** What /video-history, its Send again button and /video-stats use. */
export interface HistoryPorts {
  reply: FileReply;
  jobs: Pick<JobService, 'get'>;
  history: Pick<JobRepo, 'recentOfUser' | 'ofGuild'>;
  /** The finished video, at most `maxBytes` (src/jobs/download.ts, through the address guard). */
  download: (url: string, maxBytes: number) => Promise<Download>;
  /** A DM to the member (bot token: the 10 MiB limit), with the file when given. */
  dm: (userId: string, message: Outgoing, file?: VideoFile) => Promise<void>;
  /** The server's budget left; undefined while none is set (AppContext.budgetLeft). */
  budgetLeft: (guildId: string) => Promise<BudgetLeft | undefined>;
  now: () => number;
  logger: Pick<Logger, 'info' | 'warn'>;
}
