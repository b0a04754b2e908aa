import type { Logger } from '../log';
import type { JobService } from '../jobs/service';
import type { JobRepo } from '../jobs/repo';
import type { Download } from '../jobs/download';
import type { Messenger } from '../discord/messenger';
import type { BudgetLeft } from '../discord/render-stats';
import type { Job } from '../jobs/record';
import type { AttachmentMeta, ReadHead, ServerCaps } from '../validation';
import type { RefStore } from '../refs';
import type { LimitsService } from '../limits/service';
import type { AuditPort } from '../limits/audit';
import type { Semaphore } from '../util/semaphore';
import type { MessagePayload } from '../discord/render';
import type { MakeVideoDrafts } from './drafts';
import type { Notices } from '../discord/notices';
import type { PendingReplies } from './pending';

/** The approval channel's posts: a new one (its message id; null when Discord's answer lacked it), and one updated once decided. */
export interface ApprovalPosts {
  send(channelId: string, message: MessagePayload): Promise<string | null>;
  showDecided(job: Job): Promise<void>;
}

/** What command and button handlers get: the services, never the raw config secrets' consumers. */
export interface AppContext {
  logger: Logger;
  jobs: JobService;
  limits: LimitsService;
  /** The moderators' audit channel. */
  audit: AuditPort;
  /** Renews expired Discord attachment links (Re-roll); links Discord no longer has are absent from the map. */
  refreshImageUrls: (urls: string[]) => Promise<Map<string, string>>;
  /** Fills in image sizes Discord did not report (validation/probe.ts). */
  probe: (attachments: AttachmentMeta[]) => Promise<AttachmentMeta[]>;
  /** Saved reference sets (/video-refs). */
  refs: RefStore;
  /** Reads an image whole (at most `maxBytes`) through the address guard, to keep it in a set. */
  readImage: ReadHead;
  /** The shard that owns a guild's jobs (DMs: 0). */
  shardOf: (guildId: string | null) => number;
  newJobId: () => string;
  /**
   * Work after a deferral (probing, validation, submit) runs through here, a few at a time: in a burst, every
   * interaction is acknowledged first instead of waiting behind the others' submits.
   */
  afterDeferral: Semaphore;
  now: () => number;
  /** Delete: the job message, through its webhook or the channel (src/discord/job-message.ts). */
  removeJobMessage: (job: Job, at: { channelId: string; messageId: string }) => Promise<boolean>;
  drafts: MakeVideoDrafts;
  /** Job replies deferred and not yet answered for good, marked in the store for a restart (./pending.ts). */
  pending: Pick<PendingReplies, 'begin' | 'end'>;
  /** What a member is told at their next command: a private video that reached them nowhere (src/discord/notices.ts). */
  notices: Pick<Notices, 'take'>;
  /** Each member's and each server's jobs (/video-history, /video-stats). */
  history: Pick<JobRepo, 'recentOfUser' | 'ofGuild'>;
  /** A finished video, for Send again (src/jobs/download.ts, through the address guard). */
  download: (url: string, maxBytes: number) => Promise<Download>;
  /** Answers with files (Send again, the stats CSV) and DMs go through the messenger's upload REST. */
  messenger: Pick<Messenger, 'editOriginal' | 'sendDm'>;
  /** The server's video-seconds budget left (/video-stats); undefined while the server has none. */
  budgetLeft: (guildId: string) => Promise<BudgetLeft | undefined>;
  /** The approval channel's posts (src/interactions/approval.ts). */
  posts: ApprovalPosts;
}

export type { Job, ServerCaps };
