import type { Problem } from '../../validation';
import type { AuditFailure, BudgetRefusal, LimitName, LimitSource, Refusal } from '../../limits';
import type { AuditTarget, SettingName, SettingValue } from '../../limits/audit';
import type { UserReason } from '../../util/user-error';
import type { SaveRefusal } from '../../refs';
import type { Failure } from '../../jobs/failure';
import type { JobState } from '../../jobs/record';
import type { ModelId } from '../../models';

/** Why the provider's video link cannot be a link button (render.ts, docs/discord.md); the message ends a sentence. */
export type LinkProblem = { code: 'not_web' } | { code: 'too_long'; length: number; max: number };

/**
 * The shape every language's catalogue satisfies. Each message is a key; one that needs values takes them as
 * one object of named values (what i18next interpolates as `{{name}}`), one that needs none is a string.
 * Domain reasons (validation problems, limit refusals, user errors, job failures) are keyed by their code and take the
 * reason itself as their values, so a new code does not compile until every language words it.
 */
export type Message<V extends object> = (values: V) => string;

/** One message per code of a reason union, given that reason's values. */
export type ByCode<U extends { code: string }> = { [C in U['code']]: Message<Extract<U, { code: C }>> };

/** The limits that count something used today (cooldown counts nothing). */
export type CountedLimit = Exclude<LimitName, 'cooldown'>;

export interface Messages {
  /** Validation problems (src/validation/validate.ts). */
  problem: ByCode<Problem>;
  /** Why a video does not fit the limits (src/limits/policy.ts). */
  refusal: ByCode<Refusal>;
  /** Errors the user can act on, shown as written by the router (src/util/user-error.ts). */
  userError: ByCode<UserReason>;
  /** Why a job ended without a video for the member (src/jobs/failure.ts); one sentence, shown literally. */
  failure: ByCode<Failure>;
  /** The job message (render.ts): its status, summary line, buttons and the sentences of each ending. */
  job: {
    generating: string;
    submitting: string;
    queued: string;
    /** Time since the submit, `seconds` whole. */
    elapsed: Message<{ seconds: number }>;
    duration: Message<{ seconds: number }>;
    randomSeed: string;
    /** Marks a job made with preview:true, first in the options line. */
    preview: string;
    seed: Message<{ seed: number }>;
    images: Message<{ count: number }>;
    cancelButton: string;
    rerollButton: string;
    remixButton: string;
    finalButton: string;
    deleteButton: string;
    /** A Remix's or Final's line naming its source; `url`: the source's message, when known. */
    cameFrom: Message<{ kind: 'remix' | 'final'; url: string | null }>;
    /** The link button next to an attached video, and the one that carries a video not attached. */
    sourceButton: string;
    downloadButton: string;
    ready: string;
    fetchRefusedTitle: string;
    fetchRefused: string;
    /** " and when the link expires", appended to a sentence; empty when the provider did not say. */
    linkExpiry: Message<{ at: number | null }>;
    linkProblem: ByCode<LinkProblem>;
    /**
     * Why a made video is not attached: too large (sizes in bytes, when known), no room left in the message for
     * it beside the takes before it, or the attachment failed. `what`: theVideo, or a take's label.
     */
    tooLarge: Message<{ what: string; sizeBytes: number | undefined; limitBytes: number | undefined }>;
    noRoom: Message<{ what: string; sizeBytes: number; limitBytes: number }>;
    notAttachable: Message<{ what: string }>;
    theVideo: string;
    useButton: Message<{ expiry: string }>;
    noButton: Message<{ why: string; linkWhy: string }>;
    hereItIs: Message<{ noButton: string; expiry: string; href: string }>;
    linkTooLongToShow: Message<{ noButton: string; hasLink: boolean }>;
    /** `take`: the take's label when the message holds several. */
    sourceNotButton: Message<{ take: string | undefined; linkWhy: string }>;
    /** Takes (`variations`): a take's label, the options line's count, the running header, each take's status. */
    take: Message<{ index: number }>;
    takesCount: Message<{ count: number }>;
    runningTakes: Message<{ count: number; elapsed: string }>;
    takeReady: string;
    takeFailed: Message<{ reason: string }>;
    takeCancelled: string;
    takeUndeliverable: string;
    takeLinked: string;
    takesReady: Message<{ made: number; count: number }>;
    /** When the provider expects the task done (a Discord relative timestamp, ms since epoch). */
    eta: Message<{ at: number }>;
    failedTitle: string;
    cancelledTitle: Message<{ byUserId: string | undefined }>;
    cancelledQuotaKept: string;
    cancelledQuotaBack: string;
    undeliverableTitle: string;
    /** Under a list of problems: what a refused request cost. */
    nothingSubmitted: string;
    reference: Message<{ reference: string }>;
  };
  /** Answers to the job message's buttons (src/interactions/buttons.ts). */
  buttons: {
    cancelledQuotaKept: string;
    cancelledQuotaBack: string;
    alreadyFinished: string;
    alreadyFailed: string;
    jobMissing: string;
    notYours: string;
    tooOldToReroll: string;
    stillRunning: string;
    /** Remix, Final and Delete of a job the store no longer has. */
    tooOld: string;
    stillRunningRemix: string;
    finalAlready1080: string;
    finalNoSeed: string;
    finalTaken: string;
    notYoursToDelete: string;
    deleted: string;
    deleteFailed: string;
  };
  /** The forms (src/discord/modals.ts): Remix, Final and "Make a video". Titles and labels at most 45 characters. */
  modals: {
    remixTitle: string;
    finalTitle: string;
    makeTitle: Message<{ count: number }>;
    promptLabel: string;
    promptDescription: string;
    /** A text display: the prompt is longer than a text input holds, so it is not prefilled. */
    promptNotShown: Message<{ length: number; max: number }>;
    /** The prompt field's placeholder when the prompt is not shown: empty keeps it. */
    promptKeep: string;
    modelLabel: string;
    modelOption: Message<{ model: string; resolution: string }>;
    /** A model's name in the form's choice (the same words as /video's model choices). */
    modelName: Record<ModelId, string>;
    durationLabel: string;
    aspectLabel: string;
    uploadLabel: string;
    uploadDescription: Message<{ found: number; room: number }>;
    /** A text display in place of the upload: the message's images already fill the 7 (`found` of them used). */
    imagesFull: Message<{ found: number; total: number; max: number }>;
    finalSummary: Message<{ seed: number; model: string; aspectRatio: string }>;
  };
  /** The message command "Make a video" (commands/make-a-video.ts). */
  make: {
    noImages: string;
    draftGone: string;
  };
  /** Titles of a list of problems (renderProblems) and the sentences that go only with them. */
  problems: {
    request: Message<{ count: number }>;
    limitReached: string;
    rerollNotHere: string;
    finalNotHere: string;
    remixNotHere: Message<{ count: number }>;
    imagesGoneTitle: string;
    imagesGone: string;
  };
  router: {
    /** Anything unexpected; the reply adds a reference id that is also in the log. */
    crash: string;
    storeDown: string;
    /** A job's reply a restart left "thinking…" before the job was written or the request answered (src/interactions/pending.ts). */
    restarted: string;
    buttonInvalid: string;
    formInvalid: string;
    /**
     * Told at the member's next command (src/discord/notices.ts): `count` private videos reached neither their
     * private message (expired or refused) nor their DMs (closed).
     */
    privateUndelivered: Message<{ count: number }>;
  };
  /** /video-refs, and saved sets in /video and Re-roll. */
  refs: {
    refusal: ByCode<SaveRefusal>;
    badName: Message<{ name: string }>;
    serversOnly: string;
    notModerator: string;
    problems: Message<{ count: number }>;
    saved: Message<{ name: string; images: number; server: boolean }>;
    listMine: Message<{ count: number; max: number }>;
    listServer: Message<{ count: number; max: number }>;
    listEntry: Message<{ name: string; images: number }>;
    listNone: string;
    notFound: Message<{ name: string; inServer: boolean }>;
    showTitle: Message<{ name: string; server: boolean; images: number }>;
    showImage: Message<{ n: number; filename: string; width: number; height: number; bytes: number; url: string }>;
    deleted: Message<{ name: string; server: boolean }>;
    deleteNotModerator: Message<{ name: string }>;
    choice: Message<{ name: string; server: boolean; images: number }>;
    uploadFailed: string;
    setGoneTitle: string;
    setGone: string;
  };
  /** /video-limits and /video-usage. */
  limits: {
    label: Record<LimitName, string>;
    source: Record<LimitSource, string>;
    value: Message<{ limit: LimitName; value: number }>;
    line: Message<{ label: string; value: string; source: string }>;
    /** Today's usage of a counted limit: amounts, worded with their unit where the language counts one. */
    usage: Message<{ limit: CountedLimit; used: number; left: number }>;
    nextVideo: Message<{ at: number }>;
    resets: Message<{ at: number }>;
    usageTitle: string;
    memberTitle: Message<{ userId: string }>;
    serverTitle: string;
    capsTitle: string;
    capDuration: Message<{ maxDuration: number | undefined }>;
    capResolution: Message<{ maxResolution: string | undefined }>;
    capModels: Message<{ models: readonly string[] | undefined }>;
    saved: Message<{ details: string }>;
    reset: Message<{ details: string }>;
    serversOnly: string;
    notModerator: string;
    noLimitGiven: string;
    noValueGiven: string;
    noBudgetGiven: string;
    /** A role a limit comes from, as shown in place of the source. */
    fromRole: Message<{ roleId: string }>;
    rolesTitle: string;
    roleLine: Message<{ roleId: string; limits: string }>;
    roleTitle: Message<{ roleId: string }>;
    roleCleared: Message<{ roleId: string }>;
    noRoles: string;
    channelsTitle: string;
    channelsEverywhere: string;
    channelsOnly: Message<{ channelIds: string[] }>;
    channelsExcept: Message<{ channelIds: string[] }>;
    budgetTitle: string;
    budgetDay: Message<{ used: number; max: number | undefined; resetAt: number }>;
    budgetMonth: Message<{ used: number; max: number | undefined; resetAt: number }>;
    serverConcurrent: Message<{ active: number; max: number | undefined }>;
    auditChannel: Message<{ channelId: string | undefined }>;
    /** The audit channel stopped taking posts: said once to a moderator. */
    auditFailed: Message<AuditFailure>;
    /** /video-usage: the server's budget, when it has one. */
    serverBudgetTitle: string;
  };
  /** Posts to the moderators' audit channel (src/limits/audit.ts). */
  audit: {
    setting: Record<SettingName, string>;
    value: Message<{ setting: SettingName; value: SettingValue }>;
    target: Message<AuditTarget>;
    change: Message<{ target: string; setting: string; before: string; after: string }>;
    limitsChanged: Message<{ moderatorId: string; changes: string[] }>;
    memberReset: Message<{ moderatorId: string; userId: string; changes: string[] }>;
    budgetRefused: Message<{ userId: string; channelId: string | null; refusal: BudgetRefusal }>;
  };
  /** /video-history and its Send again button (commands/video-history.ts, src/interactions/resend.ts). */
  history: {
    title: string;
    /** No job of the member in the history (jobs made before the history existed are not in it). */
    empty: string;
    state: Record<JobState, string>;
    /** One job: its number in the list, state, creation time (ms), its message's link when known, the prompt excerpt (already escaped). */
    line: Message<{ index: number; state: string; at: number; link: string | null; prompt: string }>;
    /** The button under the list that sends job number `index` again. */
    sendAgainButton: Message<{ index: number }>;
    missing: string;
    notYours: string;
    /** The provider no longer keeps the file (its `expires_at` passed), or never had one. */
    expired: string;
    /** The answer when the interaction could not take it and it went by DM. */
    sentByDm: string;
    /** Neither the answer nor a DM took it. */
    notSent: string;
  };
  /** /video-stats (commands/video-stats.ts). */
  stats: {
    title: string;
    today: string;
    month: string;
    /** A period's totals, `label` one of the two above. */
    period: Message<{ label: string; videos: number; seconds: number }>;
    /** A member in the top list: a mention, which the answer's allowed mentions keep from pinging. */
    topLine: Message<{ rank: number; userId: string; videos: number; seconds: number }>;
    /** The server's budget left in seconds, per period; null: no budget for that period. */
    budget: Message<{ daily: number | null; monthly: number | null }>;
    /** Under the totals: what the attached CSV holds. */
    csv: Message<{ rows: number; days: number }>;
    serversOnly: string;
    notModerator: string;
  };
  /** A job waiting in line for a concurrency slot (src/jobs/queue.ts), on its job message. */
  queue: {
    /** `place`: 1 for the first in line. */
    waiting: Message<{ place: number }>;
    note: string;
  };
  /** Requests waiting for a moderator (/video-limits approval; src/interactions/approval.ts). */
  approval: {
    /** The requester's job message while it waits. */
    awaiting: string;
    awaitingNote: Message<{ channelId: string }>;
    /** Why it needs an approval: longer than the threshold, or at the resolution. */
    over: Message<{ seconds: number; aboveSeconds: number | undefined; resolution: string; atResolution: string | undefined }>;
    /** The post in the approval channel. */
    request: Message<{ userId: string; channelId: string | null; prompt: string; options: string; why: string; expiresAt: number }>;
    approveButton: string;
    denyButton: string;
    /** The post once decided. */
    approvedPost: Message<{ post: string; byUserId: string }>;
    deniedPost: Message<{ post: string; byUserId: string | null }>;
    /** Cancelled (by the requester or a moderator) before anyone decided. */
    cancelledPost: Message<{ post: string }>;
    /** Answers to the buttons' presser. */
    notModerator: string;
    approved: string;
    denied: string;
    alreadyDecided: string;
    missing: string;
    /** The requester's job message once denied (by a moderator, or by the timeout: byUserId null). */
    deniedTitle: Message<{ byUserId: string | null }>;
    deniedQuotaBack: string;
    /** /video-limits approval with a threshold but no channel to post requests in. */
    needsChannel: string;
    /** /video-limits approval's settings, as `show` and the answer list them. */
    settings: Message<{ aboveSeconds: number | undefined; atResolution: string | undefined; channelId: string | undefined }>;
    /** Audit channel entries. */
    auditApproved: Message<{ moderatorId: string; userId: string; jobId: string; summary: string }>;
    auditDenied: Message<{ moderatorId: string | null; userId: string; jobId: string; summary: string }>;
  };
}
