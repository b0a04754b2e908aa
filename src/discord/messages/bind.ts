import type { Messages } from './types';
import type { SettingName } from '../../limits/audit';
import { MODEL_IDS, type ModelId } from '../../models';
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
const channel = (id: string) => `<#${id}>`;
/** Audit values counted in seconds; the others are shown as they are. */
const IN_SECONDS: readonly SettingName[] = ['dailySeconds', 'cooldown', 'maxDuration', 'budgetDaily', 'budgetMonthly', 'approvalAbove'];

export function bindMessages(t: Translate, lng: string): Messages {
  const decimals = (digits: number) => new Intl.NumberFormat(lng, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const whole = decimals(0);
  const oneDecimal = decimals(1);
  /** Image limits read as whole megabytes when they are whole (`50 MB`), sizes with one decimal otherwise. */
  const mb = (bytes: number) => (bytes % MB === 0 ? whole : oneDecimal).format(bytes / MB);
  const image = (v: { image: number; filename: string }) => t('problem.image', { image: v.image, filename: v.filename });
  const p = (key: string) => (v: object) => t(`problem.${key}`, v as Record<string, unknown>);
  const images = (count: number) => t('job.images', { count });
  const counted = (unit: 'video' | 'second' | 'set' | 'job', count: number) => t(`count.${unit}`, { count });
  const img = (key: string) => (v: { image: number; filename: string }) => t(`problem.${key}`, { ...v, image: image(v) });

  /** A server budget's day or month: what is left, and when it resets, when there is a budget. */
  const budget = (v: { used: number; max: number | undefined; resetAt: number }) =>
    v.max === undefined ? { used: v.used, context: 'none' } : { used: v.used, max: v.max, left: Math.max(0, v.max - v.used), at: discordTime(v.resetAt) };

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
      variations_out_of_range: p('variations_out_of_range'),
      images_missing: () => t('problem.images_missing'),
      images_too_many: (v) =>
        v.fromSet
          ? t('problem.images_too_many_set', { setImages: images(v.fromSet), attached: v.count - v.fromSet, total: v.count, max: v.max })
          : t('problem.images_too_many', { count: v.count, max: v.max }),
      image_not_recognised: img('image_not_recognised'),
      image_type: img('image_type'),
      image_file_size_impossible: img('image_file_size_impossible'),
      image_too_large: (v) => t('problem.image_too_large', { ...v, image: image(v), size: mb(v.bytes), max: mb(v.max) }),
      image_no_link: img('image_no_link'),
      image_dimensions_impossible: img('image_dimensions_impossible'),
      image_link_dead: img('image_link_dead'),
      image_unreadable: img('image_unreadable'),
      image_too_small: img('image_too_small'),
      image_aspect: (v) => t('problem.image_aspect', { ...v, image: image(v), context: v.orientation }),
    },

    refusal: {
      blocked: (v) => t('refusal.blocked', { context: v.place, limit: t(`refusal.blockedLimit.${v.limit}`) }),
      daily_videos_used: (v) => t('refusal.daily_videos_used', { count: v.used, max: v.max, at: discordTime(v.resetAt), context: v.used === v.max ? 'all' : undefined }),
      daily_videos_left: (v) =>
        t('refusal.daily_videos_left', { takes: v.takes, videos: counted('video', v.takes), leftVideos: counted('video', v.left), left: v.left, max: v.max, at: discordTime(v.resetAt) }),
      longer_than_daily: (v) =>
        v.takes
          ? t('refusal.longer_than_daily_takes', { videos: counted('video', v.takes), each: v.seconds / v.takes, seconds: v.seconds, daily: counted('second', v.max) })
          : t('refusal.longer_than_daily', { seconds: v.seconds, count: v.max }),
      daily_seconds_left: (v) =>
        v.takes
          ? t('refusal.daily_seconds_left_takes', { videos: counted('video', v.takes), each: v.seconds / v.takes, seconds: v.seconds, daily: counted('second', v.max), left: v.left, at: discordTime(v.resetAt) })
          : t('refusal.daily_seconds_left', { seconds: v.seconds, count: v.max, left: v.left, at: discordTime(v.resetAt) }),
      concurrent_full: (v) =>
        v.takes
          ? t('refusal.concurrent_full_takes', { takes: v.takes, videos: counted('video', v.takes), active: counted('video', v.active), max: v.max })
          : t('refusal.concurrent_full', { count: v.active, max: v.max }),
      cooldown: (v) => t('refusal.cooldown', { count: v.wait, cooldown: v.cooldown }),
      budget_daily: (v) => t('refusal.budget_daily', { left: v.left, max: v.max, seconds: v.seconds, at: discordTime(v.resetAt) }),
      budget_monthly: (v) => t('refusal.budget_monthly', { left: v.left, max: v.max, seconds: v.seconds, at: discordTime(v.resetAt), date: discordTime(v.resetAt, 'f') }),
      takes_need_approval: (v) => t('refusal.takes_need_approval', { takes: v.takes }),
      server_concurrent_full: (v) => t('refusal.server_concurrent_full', { count: v.active, max: v.max }),
      channel_not_allowed: (v) => t('refusal.channel_not_allowed', { channels: v.allowed.map(channel), context: v.allowed.length ? undefined : 'none' }),
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
      remixButton: t('job.remixButton'),
      finalButton: t('job.finalButton'),
      deleteButton: t('job.deleteButton'),
      cameFrom: (v) => t('job.cameFrom', { url: v.url, context: v.url === null ? `${v.kind}Unknown` : v.kind }),
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
      tooLarge: ({ what, sizeBytes, limitBytes }) => {
        const size = sizeBytes !== undefined;
        const limit = limitBytes !== undefined;
        const context = size && limit ? 'both' : size ? 'size' : limit ? 'limit' : undefined;
        return t('job.tooLarge', { what, context, size: size ? sizeBytes / MB : undefined, limit: limit ? limitBytes / MB : undefined });
      },
      noRoom: (v) => t('job.noRoom', { what: v.what, size: v.sizeBytes / MB, limit: v.limitBytes / MB }),
      notAttachable: (v) => t('job.notAttachable', { what: v.what }),
      theVideo: t('job.theVideo'),
      useButton: (v) => t('job.useButton', { expiry: v.expiry }),
      noButton: (v) => t('job.noButton', { why: v.why, linkWhy: v.linkWhy }),
      hereItIs: (v) => t('job.hereItIs', { noButton: v.noButton, expiry: v.expiry, href: v.href }),
      linkTooLongToShow: (v) => t('job.linkTooLongToShow', { noButton: v.noButton, context: v.hasLink ? 'hasLink' : undefined }),
      sourceNotButton: (v) => t('job.sourceNotButton', { take: v.take, linkWhy: v.linkWhy, context: v.take ? 'take' : undefined }),
      take: (v) => t('job.take', { index: v.index }),
      takesCount: (v) => t('job.takesCount', { n: v.count }),
      runningTakes: (v) => t('job.runningTakes', { n: v.count, elapsed: v.elapsed }),
      takeReady: t('job.takeReady'),
      takeFailed: (v) => t('job.takeFailed', { reason: v.reason }),
      takeCancelled: t('job.takeCancelled'),
      takeUndeliverable: t('job.takeUndeliverable'),
      takeLinked: t('job.takeLinked'),
      takesReady: (v) => t('job.takesReady', { made: v.made, n: v.count, context: v.made === v.count ? undefined : 'some' }),
      eta: (v) => t('job.eta', { at: discordTime(v.at) }),
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
      tooOld: t('buttons.tooOld'),
      stillRunningRemix: t('buttons.stillRunningRemix'),
      finalAlready1080: t('buttons.finalAlready1080'),
      finalNoSeed: t('buttons.finalNoSeed'),
      finalTaken: t('buttons.finalTaken'),
      notYoursToDelete: t('buttons.notYoursToDelete'),
      deleted: t('buttons.deleted'),
      deleteFailed: t('buttons.deleteFailed'),
    },

    modals: {
      remixTitle: t('modals.remixTitle'),
      finalTitle: t('modals.finalTitle'),
      makeTitle: (v) => t('modals.makeTitle', { images: images(v.count) }),
      promptLabel: t('modals.promptLabel'),
      promptDescription: t('modals.promptDescription'),
      promptNotShown: (v) => t('modals.promptNotShown', { length: v.length, max: v.max }),
      promptKeep: t('modals.promptKeep'),
      modelLabel: t('modals.modelLabel'),
      modelOption: (v) => t('modals.modelOption', { model: v.model, resolution: v.resolution }),
      modelName: Object.fromEntries(MODEL_IDS.map((id) => [id, t(`commands.video.modelChoice.${id}`)])) as Record<ModelId, string>,
      durationLabel: t('modals.durationLabel'),
      aspectLabel: t('modals.aspectLabel'),
      uploadLabel: t('modals.uploadLabel'),
      uploadDescription: (v) => t('modals.uploadDescription', { images: images(v.found), room: v.room }),
      imagesFull: (v) =>
        v.total > v.max
          ? t('modals.imagesFull', { total: v.total, found: v.found, max: v.max })
          : t('modals.imagesFull', { images: images(v.found), max: v.max, context: 'fits' }),
      finalSummary: (v) => t('modals.finalSummary', { seed: v.seed, model: v.model, aspectRatio: v.aspectRatio }),
    },

    make: {
      noImages: t('make.noImages'),
      draftGone: t('make.draftGone'),
    },

    problems: {
      request: (v) => t('problems.request', { count: v.count }),
      limitReached: t('problems.limitReached'),
      rerollNotHere: t('problems.rerollNotHere'),
      finalNotHere: t('problems.finalNotHere'),
      remixNotHere: (v) => t('problems.remixNotHere', { count: v.count }),
      imagesGoneTitle: t('problems.imagesGoneTitle'),
      imagesGone: t('problems.imagesGone'),
    },

    router: {
      crash: t('router.crash'),
      storeDown: t('router.storeDown'),
      restarted: t('router.restarted'),
      buttonInvalid: t('router.buttonInvalid'),
      formInvalid: t('router.formInvalid'),
      privateUndelivered: (v) => t('router.privateUndelivered', { count: v.count }),
    },

    refs: {
      refusal: {
        name_taken: (v) => t('refs.refusal.name_taken', { name: v.name, context: v.owner === 'server' ? 'server' : undefined }),
        member_full: (v) => (v.max === 0 ? t('refs.refusal.member_full_none') : t('refs.refusal.member_full', { sets: counted('set', v.max) })),
        server_full: (v) => (v.max === 0 ? t('refs.refusal.server_full_none') : t('refs.refusal.server_full', { sets: counted('set', v.max) })),
      },
      badName: (v) => t('refs.badName', { name: v.name }),
      serversOnly: t('refs.serversOnly'),
      notModerator: t('refs.notModerator'),
      problems: (v) => t('refs.problems', { count: v.count }),
      saved: (v) => t('refs.saved', { name: v.name, images: images(v.images), context: v.server ? 'server' : undefined }),
      listMine: (v) => t('refs.listMine', { used: v.count, max: v.max }),
      listServer: (v) => t('refs.listServer', { used: v.count, max: v.max }),
      listEntry: (v) => t('refs.listEntry', { name: v.name, images: images(v.images) }),
      listNone: t('refs.listNone'),
      notFound: (v) => t('refs.notFound', { name: v.name, context: v.inServer ? 'server' : undefined }),
      showTitle: (v) => t('refs.showTitle', { name: v.name, images: images(v.images), context: v.server ? 'server' : undefined }),
      showImage: (v) => t('refs.showImage', { n: v.n, filename: v.filename, width: v.width, height: v.height, size: mb(v.bytes), url: v.url }),
      deleted: (v) => t('refs.deleted', { name: v.name, context: v.server ? 'server' : undefined }),
      deleteNotModerator: (v) => t('refs.deleteNotModerator', { name: v.name }),
      choice: (v) => t('refs.choice', { name: v.name, images: images(v.images), context: v.server ? 'server' : undefined }),
      uploadFailed: t('refs.uploadFailed'),
      setGoneTitle: t('refs.setGoneTitle'),
      setGone: t('refs.setGone'),
    },

    limits: {
      label: {
        dailyVideos: t('limits.label.dailyVideos'),
        dailySeconds: t('limits.label.dailySeconds'),
        concurrent: t('limits.label.concurrent'),
        cooldown: t('limits.label.cooldown'),
      },
      source: {
        'bot default': t('limits.source.botDefault'),
        'server default': t('limits.source.serverDefault'),
        role: t('limits.source.role'),
        'member override': t('limits.source.memberOverride'),
      },
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
      noBudgetGiven: t('limits.noBudgetGiven'),
      fromRole: (v) => t('limits.fromRole', { roleId: v.roleId }),
      rolesTitle: t('limits.rolesTitle'),
      roleLine: (v) => t('limits.roleLine', { roleId: v.roleId, limits: v.limits }),
      roleTitle: (v) => t('limits.roleTitle', { roleId: v.roleId }),
      roleCleared: (v) => t('limits.roleCleared', { roleId: v.roleId }),
      noRoles: t('limits.noRoles'),
      channelsTitle: t('limits.channelsTitle'),
      channelsEverywhere: t('limits.channelsEverywhere'),
      channelsOnly: (v) => t('limits.channelsOnly', { channels: v.channelIds.map(channel) }),
      channelsExcept: (v) => t('limits.channelsExcept', { channels: v.channelIds.map(channel) }),
      budgetTitle: t('limits.budgetTitle'),
      budgetDay: (v) => t('limits.budgetDay', budget(v)),
      budgetMonth: (v) => t('limits.budgetMonth', budget(v)),
      serverConcurrent: (v) => t('limits.serverConcurrent', { active: v.active, max: v.max, context: v.max === undefined ? 'none' : undefined }),
      auditChannel: (v) => t('limits.auditChannel', { channelId: v.channelId, context: v.channelId ? undefined : 'off' }),
      auditFailed: (v) => t('limits.auditFailed', { channelId: v.channelId, status: v.code !== null ? `${v.status} / ${v.code}` : String(v.status) }),
      serverBudgetTitle: t('limits.serverBudgetTitle'),
    },

    audit: {
      setting: {
        dailyVideos: t('audit.setting.dailyVideos'),
        dailySeconds: t('audit.setting.dailySeconds'),
        concurrent: t('audit.setting.concurrent'),
        cooldown: t('audit.setting.cooldown'),
        maxDuration: t('audit.setting.maxDuration'),
        maxResolution: t('audit.setting.maxResolution'),
        models: t('audit.setting.models'),
        serverConcurrent: t('audit.setting.serverConcurrent'),
        budgetDaily: t('audit.setting.budgetDaily'),
        budgetMonthly: t('audit.setting.budgetMonthly'),
        allowed: t('audit.setting.allowed'),
        auditChannel: t('audit.setting.auditChannel'),
        approvalAbove: t('audit.setting.approvalAbove'),
        approvalResolution: t('audit.setting.approvalResolution'),
        approvalChannel: t('audit.setting.approvalChannel'),
      },
      value: ({ setting, value }) => {
        if (value === null) return t('audit.notSet');
        if (typeof value === 'boolean') return t(value ? 'audit.yes' : 'audit.no');
        if (Array.isArray(value)) return t('audit.list', { values: value });
        if (setting === 'auditChannel' || setting === 'approvalChannel') return channel(String(value));
        return IN_SECONDS.includes(setting) ? t('limits.valueSeconds', { value }) : String(value);
      },
      target: (v) =>
        v.kind === 'server' ? t('audit.targetServer') : v.kind === 'member' ? `<@${v.userId}>` : v.kind === 'role' ? t('audit.targetRole', { roleId: v.roleId }) : channel(v.channelId),
      change: (v) => t('audit.change', { target: v.target, setting: v.setting, before: v.before, after: v.after }),
      limitsChanged: (v) => [t('audit.limitsChanged', { moderatorId: v.moderatorId }), ...v.changes.map((c) => `• ${c}`)].join('\n'),
      memberReset: (v) => [t('audit.memberReset', { userId: v.userId, moderatorId: v.moderatorId }), ...v.changes.map((c) => `• ${c}`)].join('\n'),
      budgetRefused: ({ userId, channelId, refusal: r }) =>
        t('audit.budgetRefused', {
          userId,
          where: channelId ? t('audit.inChannel', { channelId }) : '',
          seconds: r.seconds,
          left: r.left,
          max: r.max,
          context: r.code === 'budget_daily' ? 'daily' : 'monthly',
        }),
    },

    history: {
      title: t('history.title'),
      empty: t('history.empty'),
      state: {
        reserved: t('history.state.reserved'),
        submitting: t('history.state.submitting'),
        queued: t('history.state.queued'),
        generating: t('history.state.generating'),
        completed: t('history.state.completed'),
        delivered: t('history.state.delivered'),
        failed: t('history.state.failed'),
        cancelled: t('history.state.cancelled'),
        undeliverable: t('history.state.undeliverable'),
        waiting: t('history.state.waiting'),
        awaiting_approval: t('history.state.awaiting_approval'),
        denied: t('history.state.denied'),
      },
      line: (v) => t('history.line', { index: v.index, state: v.state, at: discordTime(v.at), link: v.link, prompt: v.prompt, context: v.link ? undefined : 'noLink' }),
      sendAgainButton: (v) => t('history.sendAgainButton', { index: v.index }),
      missing: t('history.missing'),
      notYours: t('history.notYours'),
      expired: t('history.expired'),
      sentByDm: t('history.sentByDm'),
      notSent: t('history.notSent'),
    },

    queue: {
      waiting: (v) => t('queue.waiting', { count: v.place, ordinal: true }),
      note: t('queue.note'),
    },

    approval: {
      awaiting: t('approval.awaiting'),
      awaitingNote: (v) => t('approval.awaitingNote', { channelId: v.channelId }),
      over: (v) =>
        t('approval.over', {
          reasons: [
            ...(v.aboveSeconds !== undefined && v.seconds > v.aboveSeconds ? [t('approval.overSeconds', { seconds: v.aboveSeconds })] : []),
            ...(v.atResolution !== undefined && v.resolution === v.atResolution ? [t('approval.overResolution', { resolution: v.resolution })] : []),
          ],
        }),
      request: (v) =>
        t('approval.request', {
          userId: v.userId,
          where: v.channelId ? t('approval.inChannel', { channelId: v.channelId }) : '',
          why: v.why ? t('approval.why', { why: v.why }) : '',
          prompt: v.prompt,
          options: v.options,
          at: discordTime(v.expiresAt),
        }),
      approveButton: t('approval.approveButton'),
      denyButton: t('approval.denyButton'),
      approvedPost: (v) => t('approval.approvedPost', { post: v.post, byUserId: v.byUserId }),
      deniedPost: (v) => t('approval.deniedPost', { post: v.post, byUserId: v.byUserId, context: v.byUserId ? undefined : 'timeout' }),
      cancelledPost: (v) => t('approval.cancelledPost', { post: v.post }),
      notModerator: t('approval.notModerator'),
      approved: t('approval.approved'),
      denied: t('approval.denied'),
      alreadyDecided: t('approval.alreadyDecided'),
      missing: t('approval.missing'),
      deniedTitle: (v) => t('approval.deniedTitle', { byUserId: v.byUserId, context: v.byUserId ? undefined : 'timeout' }),
      deniedQuotaBack: t('approval.deniedQuotaBack'),
      needsChannel: t('approval.needsChannel'),
      settings: (v) =>
        v.channelId === undefined || (v.aboveSeconds === undefined && v.atResolution === undefined)
          ? t('approval.settingsOff')
          : t('approval.settings', {
              channelId: v.channelId,
              thresholds: [
                ...(v.aboveSeconds !== undefined ? [t('approval.settingsSeconds', { seconds: v.aboveSeconds })] : []),
                ...(v.atResolution !== undefined ? [t('approval.settingsResolution', { resolution: v.atResolution })] : []),
              ],
            }),
      auditApproved: (v) => t('approval.auditApproved', { moderatorId: v.moderatorId, userId: v.userId, summary: v.summary, jobId: v.jobId }),
      auditDenied: (v) => t('approval.auditDenied', { moderatorId: v.moderatorId, userId: v.userId, summary: v.summary, jobId: v.jobId, context: v.moderatorId ? undefined : 'timeout' }),
    },

    stats: {
      title: t('stats.title'),
      today: t('stats.today'),
      month: t('stats.month'),
      period: (v) => t('stats.period', { label: v.label, videos: counted('video', v.videos), seconds: counted('second', v.seconds) }),
      topLine: (v) => t('stats.topLine', { rank: v.rank, userId: v.userId, videos: counted('video', v.videos), seconds: counted('second', v.seconds) }),
      budget: (v) =>
        t('stats.budget', {
          parts: [
            ...(v.daily !== null ? [t('stats.budgetToday', { seconds: counted('second', v.daily) })] : []),
            ...(v.monthly !== null ? [t('stats.budgetMonth', { seconds: counted('second', v.monthly) })] : []),
          ],
        }),
      csv: (v) => t('stats.csv', { jobs: counted('job', v.rows), days: v.days }),
      serversOnly: t('stats.serversOnly'),
      notModerator: t('stats.notModerator'),
    },
  };
}
