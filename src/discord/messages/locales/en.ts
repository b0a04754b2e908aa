/**
 * English, the default and the source every other language translates (docs/architecture.md, messages).
 * i18next resources: `{{name}}` placeholders, plural forms as `_one`/`_other` (CLDR, Intl.PluralRules) chosen by
 * `count`, variants as `_<context>`. Integers are shown as typed (no grouping): they are values members type
 * back into options (`daily_seconds:10000`). Sizes and lists go through i18next's formatters for the locale.
 * The structure follows the `Messages` interface (../types.ts); ../bind.ts turns these into it.
 */
export const en = {
  problem: {
    image: 'image{{image}} ({{filename}})',
    prompt_empty: 'The prompt is empty; describe the motion and camera you want.',
    prompt_too_long: 'The prompt is {{length}} characters; the limit is {{max}}.',
    model_unknown: 'Unknown model "{{model}}"; choose {{choices, list(type: disjunction)}}.',
    model_not_allowed: 'This server does not allow {{model}}; allowed: {{allowed, list(type: unit; style: short)}}.',
    model_not_allowed_none: 'This server does not allow {{model}}; allowed: none.',
    duration_not_whole: 'The duration must be a whole number of seconds; you asked for {{duration}}.',
    duration_out_of_range: '{{model}} supports {{min}} to {{max}} seconds; you asked for {{duration}}.',
    duration_over_cap: 'This server allows videos of at most {{max}} seconds; you asked for {{duration}}.',
    resolution_unknown: 'Unknown resolution "{{resolution}}"; choose {{choices, list(type: unit; style: short)}}.',
    resolution_not_offered: '{{model}} does not offer {{resolution}}; choose {{choices, list(type: disjunction)}}.',
    resolution_over_cap: 'This server allows at most {{max}}; you asked for {{resolution}}.',
    aspect_ratio_unknown: 'Unknown aspect ratio "{{aspectRatio}}"; choose {{choices, list(type: unit; style: short)}}.',
    seed_out_of_range: 'The seed must be a whole number from 0 to {{max}}; you gave {{seed}}.',
    images_missing: 'Attach at least one reference image.',
    images_too_many: 'You attached {{count}} images; the limit is {{max}}.',
    image_not_recognised: '{{image}} is not a recognised image; use PNG, JPEG or WebP.',
    image_type: '{{image}} is of type {{contentType}}; use PNG, JPEG or WebP.',
    image_file_size_impossible: "{{image}} has an impossible file size ({{bytes}} bytes) in Discord's data; upload it again.",
    image_too_large: '{{image}} is {{size}} MB; each image can be at most {{max}} MB.',
    image_no_link: '{{image}} has no usable link; upload it again.',
    image_dimensions_impossible: "{{image}} has an impossible size ({{width}}x{{height}} px) in Discord's data; upload it again.",
    image_unreadable: '{{image}}: its size could not be read; make sure it is a valid image file.',
    image_too_small: '{{image}} is {{width}}x{{height}} px; images must be at least {{min}}x{{min}} px.',
    image_aspect_wide: '{{image}} is {{width}}x{{height}} px, too wide; the aspect ratio must be between 1:{{maxAspect}} and {{maxAspect}}:1.',
    image_aspect_tall: '{{image}} is {{width}}x{{height}} px, too tall; the aspect ratio must be between 1:{{maxAspect}} and {{maxAspect}}:1.',
  },

  refusal: {
    blockedLimit: { dailyVideos: 'limit 0', dailySeconds: 'daily seconds limit 0', concurrent: 'concurrent limit 0' },
    blocked_dm: 'You are not allowed to make videos in direct messages ({{limit}}).',
    blocked_server: 'You are not allowed to make videos in this server ({{limit}}).',
    daily_videos_used_one: 'You have used {{count}} video today (limit {{max}}). It resets {{at}}.',
    daily_videos_used_other: 'You have used {{count}} videos today (limit {{max}}). It resets {{at}}.',
    daily_videos_used_all_one: 'You have used your {{count}} video for today (limit {{max}}). It resets {{at}}.',
    daily_videos_used_all_other: 'You have used your {{count}} videos for today (limit {{max}}). It resets {{at}}.',
    longer_than_daily_one: 'A {{seconds}}-second video is longer than your daily {{count}} second; choose a shorter duration.',
    longer_than_daily_other: 'A {{seconds}}-second video is longer than your daily {{count}} seconds; choose a shorter duration.',
    daily_seconds_left_one: 'This {{seconds}}-second video would exceed your daily {{count}} second ({{left}} s left). It resets {{at}}.',
    daily_seconds_left_other: 'This {{seconds}}-second video would exceed your daily {{count}} seconds ({{left}} s left). It resets {{at}}.',
    concurrent_full_one: 'You already have {{count}} video generating (limit {{max}}). Wait for one to finish or cancel it.',
    concurrent_full_other: 'You already have {{count}} videos generating (limit {{max}}). Wait for one to finish or cancel it.',
    cooldown_one: 'Please wait {{count}} more second between videos (cooldown {{cooldown}} s).',
    cooldown_other: 'Please wait {{count}} more seconds between videos (cooldown {{cooldown}} s).',
  },

  userError: {
    limits_server_record_damaged:
      "This server's saved video limits could not be read, so no video can be checked against them. A moderator can repair them by setting them again with /video-limits server.",
    limits_member_record_damaged:
      'The video limits saved for <@{{userId}}> in this server could not be read. A moderator can repair them with /video-limits reset or /video-limits user for that member.',
  },

  failure: {
    unconfirmed: 'The video service did not confirm the submission, so the bot stopped tracking it and gave your quota back. Please run /video again.',
    overdue_one: 'The video service had still not finished it after {{count}} minute, so the bot stopped waiting and gave your quota back. Please try again.',
    overdue_other: 'The video service had still not finished it after {{count}} minutes, so the bot stopped waiting and gave your quota back. Please try again.',
    unauthorized: 'The bot is misconfigured: the video service refused its API key. Please tell a server admin.',
    no_credit: "The bot's video credit is used up. Please tell the bot's owner.",
    refused: 'The video service refused the request.',
    refused_quoted: 'The video service refused the request: {{providerMessage}}',
    busy: 'The video service is busy right now. Please try again in a minute.',
    unreachable: 'The video service could not be reached. Please try again in a minute.',
    internal: 'Something went wrong on our side. Please try again.',
    task_failed: 'The video service could not make it.',
    task_failed_quoted: 'The video service could not make it: {{providerMessage}}',
    task_cancelled: 'The video service cancelled the task.',
    lost_track: 'The bot lost track of this job at the video service. Your quota was given back; please try again.',
    // The video link follows it in the job message.
    undeliverable: 'Discord refused every way the bot tried to post it: this message, a new message in the channel and a DM to you.',
  },

  job: {
    generating: 'Generating',
    submitting: 'Submitting',
    queued: 'Queued',
    elapsedSeconds: '{{seconds}}s',
    elapsedMinutes: '{{minutes}}m {{seconds}}s',
    duration: '{{seconds}} s',
    preview: 'preview',
    randomSeed: 'random seed',
    seed: 'seed {{seed}}',
    images_one: '{{count}} image',
    images_other: '{{count}} images',
    cancelButton: 'Cancel',
    rerollButton: 'Re-roll',
    sourceButton: 'Source video',
    downloadButton: 'Download video',
    ready: 'Your video is ready',
    fetchRefusedTitle: 'Your video was made but could not be fetched',
    fetchRefused: "The video service's link points somewhere the bot does not fetch from, so there is no file or link to show; Re-roll makes a new one.",
    linkExpiry: '; the link expires {{at}}',
    linkProblem: {
      not_web: 'the video service sent a link that is not a web (http or https) address',
      too_long: 'it is {{length}} characters long and Discord allows {{max}}',
    },
    tooLarge: 'The video is too large to upload here',
    tooLarge_size: 'The video ({{size, number(minimumFractionDigits: 1; maximumFractionDigits: 1)}} MB) is too large to upload here',
    tooLarge_limit: 'The video is too large to upload here (limit {{limit, number(minimumFractionDigits: 1; maximumFractionDigits: 1)}} MB)',
    tooLarge_both:
      'The video ({{size, number(minimumFractionDigits: 1; maximumFractionDigits: 1)}} MB) is too large to upload here (limit {{limit, number(minimumFractionDigits: 1; maximumFractionDigits: 1)}} MB)',
    notAttachable: 'The video could not be attached here',
    useButton: 'Use the button below to download it{{expiry}}.',
    noButton: '{{why}}, and its download link cannot be a button: {{linkWhy}}',
    hereItIs: '{{noButton}}. Here it is{{expiry}}: <{{href}}>',
    linkTooLongToShow: '{{noButton}}.',
    linkTooLongToShow_hasLink: '{{noButton}}, and it is too long to show here.',
    sourceNotButton: 'The source link is not shown as a button: {{linkWhy}}.',
    failedTitle: 'The video could not be made.',
    cancelledTitle: 'Cancelled.',
    cancelledTitle_by: 'Cancelled by <@{{userId}}>.',
    cancelledQuotaKept: 'The video service had already accepted it and still makes it (it cannot be stopped there), so it counts toward your limits today.',
    cancelledQuotaBack: 'It never reached the video service; your quota for it was given back.',
    undeliverableTitle: 'Your video was made, but it could not be posted.',
    nothingSubmitted: 'Nothing was submitted and no quota was used.',
    reference: 'Reference: `{{reference}}`',
  },

  buttons: {
    cancelledQuotaKept:
      'Cancelled: you will not get this video. The video service had already accepted it and still makes it (it cannot be stopped there), so it counts toward your limits today.',
    cancelledQuotaBack: 'Cancelled before it reached the video service. The quota for it was given back.',
    alreadyFinished: 'This video has already finished; there is nothing to cancel.',
    alreadyFailed: 'This video could not be made (its message says why), so there is nothing to cancel. Its quota was given back.',
    jobMissing: 'This video job no longer exists.',
    notYours: 'This is not your video: only the person who started it or a moderator can cancel it.',
    tooOldToReroll: 'This video job is too old to re-roll; please run /video again.',
    stillRunning: 'This video is still being made; re-roll it once it is finished.',
  },

  problems: {
    request_one: 'This request has a problem',
    request_other: 'This request has {{count}} problems',
    limitReached: 'Limit reached',
    rerollNotHere: 'This video can no longer be re-rolled here',
    imagesGoneTitle: 'The reference images are gone',
    imagesGone: 'Discord no longer has the images of this video. Please run /video again with the images attached.',
  },

  router: {
    crash: 'Something went wrong on our side. Please try again.',
    // Handlers write nothing before their reads succeed and give a reservation back when the job cannot be
    // written (JobService.start), so nothing was started or counted.
    storeDown: "The bot's storage is not answering right now, so nothing was started or counted. Please try again in a minute.",
    buttonInvalid: 'This button is no longer valid.',
  },

  limits: {
    label: {
      dailyVideos: 'Videos per day',
      dailySeconds: 'Seconds of video per day',
      concurrent: 'Videos at once',
      cooldown: 'Cooldown between videos',
    },
    source: { botDefault: 'bot default', serverDefault: 'server default', memberOverride: 'member override' },
    valueNone: 'none',
    valueSeconds: '{{value}} s',
    amount: { dailyVideos_one: '{{count}}', dailyVideos_other: '{{count}}', dailySeconds_one: '{{count}} s', dailySeconds_other: '{{count}} s', concurrent_one: '{{count}}', concurrent_other: '{{count}}' },
    line: '{{label}}: **{{value}}** ({{source}})',
    usage: ' · used {{used}}, {{left}} left',
    nextVideo: 'Next video possible {{at}}',
    resets: 'Daily limits reset {{at}} ({{date}}, midnight UTC).',
    usageTitle: 'Your video usage today',
    memberTitle: 'Limits of <@{{userId}}>',
    serverTitle: 'Server default limits',
    capsTitle: 'Server caps',
    capDuration: 'Longest video: {{max}} s',
    capDuration_none: 'Longest video: no cap',
    capResolution: 'Highest resolution: {{max}}',
    capResolution_none: 'Highest resolution: no cap',
    capModels: 'Models: {{models, list(type: unit; style: short)}}',
    capModels_all: 'Models: all',
    saved: 'Saved. {{details}}',
    reset: 'Reset. {{details}}',
    serversOnly: '/video-limits works in servers only.',
    notModerator: 'Only members with the Manage Server permission can change video limits. See your own with /video-usage.',
    noLimitGiven: 'Give at least one limit to set, e.g. daily_videos:3.',
    noValueGiven: 'Give at least one value to set, e.g. daily_videos:5 or max_resolution:720p.',
  },

  /**
   * What Discord shows in its command picker (registration, docs/commands.md): at most 100 characters each.
   * Command and option names and choice values are a contract and are not translated.
   */
  commands: {
    video: {
      description: 'Turn 1 to 7 reference images into a short AI video',
      prompt: 'Describe the motion and camera, not the looks (the images give those)',
      image1: 'First reference image (PNG, JPEG or WebP)',
      image: 'Reference image {{n}}',
      model: 'Model (default {{model}})',
      /** The model choices' names, by model id (src/models.ts). */
      modelChoice: { viduq3: 'Vidu Q3 (smarter shot changes)', 'viduq3-mix': 'Vidu Q3 Mix (best quality, 1-2 s clips)' },
      duration: 'Seconds (default {{duration}}; {{ranges, list(type: unit; style: short)}})',
      durationRange: '{{model}} {{min}}-{{max}}',
      resolution: 'Resolution (default {{resolution}}; {{models, list(type: unit; style: short)}} has no 540p)',
      aspectRatio: 'Aspect ratio (default {{aspectRatio}})',
      seed: 'Seed for similar results (optional)',
      preview: 'Quick, cheap take: {{model}}, lowest resolution, {{duration}} s unless given',
    },
    limits: {
      description: 'Moderators: limits on /video for this server and its members',
      show: 'Effective limits and usage today, for the server or one member',
      showUser: 'A member',
      user: "Set a member's own limits",
      theMember: 'The member',
      server: "Set the server's default limits and caps",
      reset: "Clear a member's own limits and today's usage",
      dailyVideos: 'Videos per UTC day (0 blocks)',
      dailySeconds: 'Seconds of video per UTC day',
      concurrent: 'Videos generating at once',
      cooldown: 'Seconds between two videos',
      maxDuration: 'Longest video in seconds',
      maxResolution: 'Highest resolution',
      models: 'Models members may use',
      modelsAll: 'all',
      modelsOnly: 'only {{model}}',
    },
    usage: {
      description: 'Your video usage today, what remains, and when it resets',
    },
    /** The message command (type 3) of the issue "Discord-native creation": its name is localised. */
    makeVideo: 'Make a video',
  },
};
