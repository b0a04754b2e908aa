import type { Problem } from '../../validation';
import type { LimitName, LimitSource, Refusal } from '../../limits';
import type { UserReason } from '../../util/user-error';
import type { LinkCheck, NotAttached } from '../card-reasons';

/**
 * The shape every language's catalogue satisfies. Each message is a key; one that needs values takes them as
 * one object of named values (what i18next interpolates as `{{name}}`), one that needs none is a string.
 * Domain reasons (validation problems, limit refusals, user errors) are keyed by their code and take the
 * reason itself as their values, so a new code does not compile until every language words it.
 */
export type Message<V extends object> = (values: V) => string;

/** One message per code of a reason union, given that reason's values. */
export type ByCode<U extends { code: string }> = { [C in U['code']]: Message<Extract<U, { code: C }>> };

export interface Messages {
  /** Validation problems (src/validation/validate.ts). */
  problem: ByCode<Problem>;
  /** Why a video does not fit the limits (src/limits/policy.ts). */
  refusal: ByCode<Refusal>;
  /** Errors the user can act on, shown as written by the router (src/util/user-error.ts). */
  userError: ByCode<UserReason>;
  /** Titles of a list of problems (renderProblems) and the sentences that go only with them. */
  problems: {
    request: Message<{ count: number }>;
    limitReached: string;
    rerollNotHere: string;
    imagesGoneTitle: string;
    imagesGone: string;
  };
  /** The job message's card (src/discord/card.ts). */
  card: {
    preview: string;
    randomSeed: string;
    seed: Message<{ seed: number }>;
    takesCount: Message<{ count: number }>;
    images: Message<{ count: number }>;
    take: Message<{ index: number }>;
    submitting: string;
    queued: string;
    generating: Message<{ progress: number; bar: string }>;
    /** When the provider expects the task done (a Discord relative timestamp). */
    eta: Message<{ at: number }>;
    runningTakes: Message<{ count: number; elapsed: string }>;
    takeReady: string;
    takeFailed: Message<{ reason: string }>;
    takeCancelled: string;
    takeUndeliverable: string;
    takeLinked: string;
    ready: string;
    takesReady: Message<{ made: number; count: number }>;
    notFetched: string;
    failed: string;
    cancelled: Message<{ by: string | undefined }>;
    cancelledKept: string;
    cancelledReturned: string;
    undeliverable: Message<{ reason: string }>;
    undeliverableWhy: string;
    theVideo: string;
    expires: Message<{ at: number }>;
    useButtons: Message<{ expiry: string }>;
    notAttached: Message<{ who: string; why: NotAttached; expiry: string }>;
    /** `notAttached`: the take is not a file here either, so the link was needed. */
    badLink: Message<{ who: string; link: Exclude<LinkCheck, { ok: true }>; notAttached: Exclude<NotAttached, { code: 'link_refused' }> | undefined; expiry: string; showHref: boolean }>;
    cancel: string;
    reroll: string;
    source: string;
    download: string;
  };
  router: {
    /** Anything unexpected; the reply adds a reference id that is also in the log. */
    crash: string;
    storeDown: string;
    buttonInvalid: string;
  };
  /** /video-limits and /video-usage. */
  limits: {
    label: Record<LimitName, string>;
    source: Record<LimitSource, string>;
    value: Message<{ limit: LimitName; value: number }>;
    line: Message<{ label: string; value: string; source: string }>;
    usage: Message<{ used: string; left: string }>;
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
  };
}
