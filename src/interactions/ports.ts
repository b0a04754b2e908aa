import type { Logger } from '../log';
import type { JobService } from '../jobs/service';
import type { LimitsService } from '../limits/service';
import type { LimitSettings } from '../limits/usage';
import type { MessagePayload } from '../discord/render';
import type { AttachmentMeta } from '../validation';
import type { JobOrigin } from './defer';

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
}

/** The answer to the interaction: at most one acknowledgement, then one reply or one edit of it. */
export interface Reply {
  /** A public "thinking…" whose reply becomes the job's message; returns where that message lives. */
  deferForJob(): Promise<JobOrigin>;
  /** A private "thinking…", for an answer that may take longer than Discord's 3 s. */
  deferPrivately(): Promise<void>;
  /** A sentence only the presser sees, to an interaction not acknowledged yet. */
  reply(text: string): Promise<void>;
  /** The deferred reply, replaced by the answer. */
  edit(message: MessagePayload): Promise<void>;
}

export interface HandlerPorts {
  reply: Reply;
  jobs: Pick<JobService, 'get' | 'start' | 'cancel'>;
  limits: Pick<LimitsService, 'caps' | 'reserve' | 'effective' | 'serverEffective' | 'usage' | 'resetMember'> & {
    settings: Pick<LimitSettings, 'setMember' | 'setServer'>;
  };
  probe: (attachments: AttachmentMeta[]) => Promise<AttachmentMeta[]>;
  refreshImageUrls: (urls: string[]) => Promise<Map<string, string>>;
  newJobId: () => string;
  /** A seed for a request that gave none, and for a re-roll (0..SEED_MAX). */
  newSeed: () => number;
  now: () => number;
  /** Work after a deferral, a few at a time (AppContext.afterDeferral). */
  afterDeferral: { run<T>(task: () => Promise<T>): Promise<T> };
  logger: Pick<Logger, 'info' | 'warn'>;
}
