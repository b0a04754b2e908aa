import type { Messages } from './types';
import { discordTime } from '../../util/discord-time';

/**
 * The one place that turns a language's resources (./locales/) into the typed `Messages`: which key a message
 * reads, which of its variants (`context`) and plural forms (`count`) it picks, and the values it is given.
 * Language-independent: the words and their order are the resources'. A new message is one line here, checked
 * against `Messages` by the compiler.
 */

/** i18next's `t`, fixed to one language. */
export type Translate = (key: string, values?: Record<string, unknown>) => string;

const MB = 1024 * 1024;

export function bindMessages(t: Translate, lng: string): Messages {
  const decimals = (digits: number) => new Intl.NumberFormat(lng, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const whole = decimals(0);
  const oneDecimal = decimals(1);
  /** Image limits read as whole megabytes when they are whole (`50 MB`), sizes with one decimal otherwise. */
  const mb = (bytes: number) => (bytes % MB === 0 ? whole : oneDecimal).format(bytes / MB);
  const image = (v: { image: number; filename: string }) => t('problem.image', { image: v.image, filename: v.filename });
  const p = (key: string) => (v: object) => t(`problem.${key}`, v as Record<string, unknown>);
  const img = (key: string) => (v: { image: number; filename: string }) => t(`problem.${key}`, { ...v, image: image(v) });

  return {
    problem: {
      prompt_empty: () => t('problem.prompt_empty'),
      prompt_too_long: p('prompt_too_long'),
      model_unknown: p('model_unknown'),
      model_not_allowed: (v) => t('problem.model_not_allowed', { ...v, context: v.allowed.length ? undefined : 'none' }),
      duration_not_whole: p('duration_not_whole'),
      duration_out_of_range: p('duration_out_of_range'),
      duration_over_cap: p('duration_over_cap'),
      resolution_unknown: p('resolution_unknown'),
      resolution_not_offered: p('resolution_not_offered'),
      resolution_over_cap: p('resolution_over_cap'),
      aspect_ratio_unknown: p('aspect_ratio_unknown'),
      seed_out_of_range: p('seed_out_of_range'),
      images_missing: () => t('problem.images_missing'),
      images_too_many: p('images_too_many'),
      image_not_recognised: img('image_not_recognised'),
      image_type: img('image_type'),
      image_file_size_impossible: img('image_file_size_impossible'),
      image_too_large: (v) => t('problem.image_too_large', { ...v, image: image(v), size: mb(v.bytes), max: mb(v.max) }),
      image_no_link: img('image_no_link'),
      image_dimensions_impossible: img('image_dimensions_impossible'),
      image_unreadable: img('image_unreadable'),
      image_too_small: img('image_too_small'),
      image_aspect: (v) => t('problem.image_aspect', { ...v, image: image(v), context: v.orientation }),
    },

    refusal: {
      blocked: (v) => t('refusal.blocked', { context: v.place, limit: t(`refusal.blockedLimit.${v.limit}`) }),
      daily_videos_used: (v) => t('refusal.daily_videos_used', { count: v.used, max: v.max, at: discordTime(v.resetAt), context: v.used === v.max ? 'all' : undefined }),
      longer_than_daily: (v) => t('refusal.longer_than_daily', { seconds: v.seconds, count: v.max }),
      daily_seconds_left: (v) => t('refusal.daily_seconds_left', { seconds: v.seconds, count: v.max, left: v.left, at: discordTime(v.resetAt) }),
      concurrent_full: (v) => t('refusal.concurrent_full', { count: v.active, max: v.max }),
      cooldown: (v) => t('refusal.cooldown', { count: v.wait, cooldown: v.cooldown }),
    },

    userError: {
      limits_server_record_damaged: () => t('userError.limits_server_record_damaged'),
      limits_member_record_damaged: (v) => t('userError.limits_member_record_damaged', { userId: v.userId }),
    },

    failure: {
      unconfirmed: () => t('failure.unconfirmed'),
      overdue: (v) => t('failure.overdue', { count: Math.round(v.waitedMs / 60_000) }),
      unauthorized: () => t('failure.unauthorized'),
      no_credit: () => t('failure.no_credit'),
      refused: (v) => t('failure.refused', { providerMessage: v.providerMessage, context: v.providerMessage ? 'quoted' : undefined }),
      busy: () => t('failure.busy'),
      unreachable: () => t('failure.unreachable'),
      internal: () => t('failure.internal'),
      task_failed: (v) => t('failure.task_failed', { providerMessage: v.providerMessage, context: v.providerMessage ? 'quoted' : undefined }),
      task_cancelled: () => t('failure.task_cancelled'),
      lost_track: () => t('failure.lost_track'),
      undeliverable: () => t('failure.undeliverable'),
      // A v1 record's English sentence, kept as it was shown (src/jobs/record.ts).
      legacy: (v) => v.text,
    },

    job: {
      generating: t('job.generating'),
      submitting: t('job.submitting'),
      queued: t('job.queued'),
      elapsed: ({ seconds: s }) => (s < 60 ? t('job.elapsedSeconds', { seconds: s }) : t('job.elapsedMinutes', { minutes: Math.floor(s / 60), seconds: String(s % 60).padStart(2, '0') })),
      duration: (v) => t('job.duration', { seconds: v.seconds }),
      preview: t('job.preview'),
      randomSeed: t('job.randomSeed'),
      seed: (v) => t('job.seed', { seed: v.seed }),
      images: (v) => t('job.images', { count: v.count }),
      cancelButton: t('job.cancelButton'),
      rerollButton: t('job.rerollButton'),
      sourceButton: t('job.sourceButton'),
      downloadButton: t('job.downloadButton'),
      ready: t('job.ready'),
      fetchRefusedTitle: t('job.fetchRefusedTitle'),
      fetchRefused: t('job.fetchRefused'),
      linkExpiry: (v) => (v.at ? t('job.linkExpiry', { at: discordTime(v.at) }) : ''),
      linkProblem: {
        not_web: () => t('job.linkProblem.not_web'),
        too_long: (v) => t('job.linkProblem.too_long', { length: v.length, max: v.max }),
      },
      tooLarge: ({ sizeBytes, limitBytes }) => {
        const size = sizeBytes !== undefined;
        const limit = limitBytes !== undefined;
        const context = size && limit ? 'both' : size ? 'size' : limit ? 'limit' : undefined;
        return t('job.tooLarge', { context, size: size ? sizeBytes / MB : undefined, limit: limit ? limitBytes / MB : undefined });
      },
      notAttachable: t('job.notAttachable'),
      useButton: (v) => t('job.useButton', { expiry: v.expiry }),
      noButton: (v) => t('job.noButton', { why: v.why, linkWhy: v.linkWhy }),
      hereItIs: (v) => t('job.hereItIs', { noButton: v.noButton, expiry: v.expiry, href: v.href }),
      linkTooLongToShow: (v) => t('job.linkTooLongToShow', { noButton: v.noButton, context: v.hasLink ? 'hasLink' : undefined }),
      sourceNotButton: (v) => t('job.sourceNotButton', { linkWhy: v.linkWhy }),
      failedTitle: t('job.failedTitle'),
      cancelledTitle: (v) => t('job.cancelledTitle', { userId: v.byUserId, context: v.byUserId ? 'by' : undefined }),
      cancelledQuotaKept: t('job.cancelledQuotaKept'),
      cancelledQuotaBack: t('job.cancelledQuotaBack'),
      undeliverableTitle: t('job.undeliverableTitle'),
      nothingSubmitted: t('job.nothingSubmitted'),
      reference: (v) => t('job.reference', { reference: v.reference }),
    },

    buttons: {
      cancelledQuotaKept: t('buttons.cancelledQuotaKept'),
      cancelledQuotaBack: t('buttons.cancelledQuotaBack'),
      alreadyFinished: t('buttons.alreadyFinished'),
      alreadyFailed: t('buttons.alreadyFailed'),
      jobMissing: t('buttons.jobMissing'),
      notYours: t('buttons.notYours'),
      tooOldToReroll: t('buttons.tooOldToReroll'),
      stillRunning: t('buttons.stillRunning'),
    },

    problems: {
      request: (v) => t('problems.request', { count: v.count }),
      limitReached: t('problems.limitReached'),
      rerollNotHere: t('problems.rerollNotHere'),
      imagesGoneTitle: t('problems.imagesGoneTitle'),
      imagesGone: t('problems.imagesGone'),
    },

    router: {
      crash: t('router.crash'),
      storeDown: t('router.storeDown'),
      buttonInvalid: t('router.buttonInvalid'),
    },

    limits: {
      label: {
        dailyVideos: t('limits.label.dailyVideos'),
        dailySeconds: t('limits.label.dailySeconds'),
        concurrent: t('limits.label.concurrent'),
        cooldown: t('limits.label.cooldown'),
      },
      source: { 'bot default': t('limits.source.botDefault'), 'server default': t('limits.source.serverDefault'), 'member override': t('limits.source.memberOverride') },
      value: ({ limit, value }) =>
        limit === 'cooldown' && value === 0 ? t('limits.valueNone') : limit === 'cooldown' || limit === 'dailySeconds' ? t('limits.valueSeconds', { value }) : String(value),
      line: (v) => t('limits.line', { label: v.label, value: v.value, source: v.source }),
      usage: ({ limit, used, left }) => t('limits.usage', { used: t(`limits.amount.${limit}`, { count: used }), left: t(`limits.amount.${limit}`, { count: left }) }),
      nextVideo: (v) => t('limits.nextVideo', { at: discordTime(v.at) }),
      resets: (v) => t('limits.resets', { at: discordTime(v.at), date: discordTime(v.at, 'f') }),
      usageTitle: t('limits.usageTitle'),
      memberTitle: (v) => t('limits.memberTitle', { userId: v.userId }),
      serverTitle: t('limits.serverTitle'),
      capsTitle: t('limits.capsTitle'),
      capDuration: (v) => t('limits.capDuration', { max: v.maxDuration, context: v.maxDuration ? undefined : 'none' }),
      capResolution: (v) => t('limits.capResolution', { max: v.maxResolution, context: v.maxResolution ? undefined : 'none' }),
      capModels: (v) => t('limits.capModels', { models: v.models, context: v.models?.length ? undefined : 'all' }),
      saved: (v) => t('limits.saved', { details: v.details }),
      reset: (v) => t('limits.reset', { details: v.details }),
      serversOnly: t('limits.serversOnly'),
      notModerator: t('limits.notModerator'),
      noLimitGiven: t('limits.noLimitGiven'),
      noValueGiven: t('limits.noValueGiven'),
    },
  };
}
