import type { Messages } from './types';
import type { SettingName } from '../../limits/audit';
import { discordTime } from '../../util/discord-time';

/** English: every user-facing sentence of validation, limits, job failures, the job message, its buttons, the limits views and the router. */

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(bytes % MB === 0 ? 0 : 1)} MB`;
/** Sizes of made videos, always with one decimal. */
const mb1 = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const image = (v: { image: number; filename: string }) => `image${v.image} (${v.filename})`;
const channel = (id: string) => `<#${id}>`;
const role = (id: string) => `<@&${id}>`;
/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st… */
const ordinal = (n: number) => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
};
const blocked = { dailyVideos: 'limit 0', dailySeconds: 'daily seconds limit 0', concurrent: 'concurrent limit 0' } as const;

export const en: Messages = {
  problem: {
    prompt_empty: () => 'The prompt is empty; describe the motion and camera you want.',
    prompt_too_long: (v) => `The prompt is ${v.length} characters; the limit is ${v.max}.`,
    model_unknown: (v) => `Unknown model "${v.model}"; choose ${v.choices.join(' or ')}.`,
    model_not_allowed: (v) => `This server does not allow ${v.model}; allowed: ${v.allowed.join(', ') || 'none'}.`,
    duration_not_whole: (v) => `The duration must be a whole number of seconds; you asked for ${v.duration}.`,
    duration_out_of_range: (v) => `${v.model} supports ${v.min} to ${v.max} seconds; you asked for ${v.duration}.`,
    duration_over_cap: (v) => `This server allows videos of at most ${v.max} seconds; you asked for ${v.duration}.`,
    resolution_unknown: (v) => `Unknown resolution "${v.resolution}"; choose ${v.choices.join(', ')}.`,
    resolution_not_offered: (v) => `${v.model} does not offer ${v.resolution}; choose ${v.choices.join(' or ')}.`,
    resolution_over_cap: (v) => `This server allows at most ${v.max}; you asked for ${v.resolution}.`,
    aspect_ratio_unknown: (v) => `Unknown aspect ratio "${v.aspectRatio}"; choose ${v.choices.join(', ')}.`,
    seed_out_of_range: (v) => `The seed must be a whole number from 0 to ${v.max}; you gave ${v.seed}.`,
    variations_out_of_range: (v) => `variations must be a whole number from ${v.min} to ${v.max}; you gave ${v.variations}.`,
    images_missing: () => 'Give at least one reference image: attach one (image1) or choose a saved set with refs (see /video-refs).',
    images_too_many: (v) =>
      v.fromSet
        ? `The saved set has ${count(v.fromSet, 'image')} and you attached ${v.count - v.fromSet}: ${v.count} in all; the limit is ${v.max}.`
        : `You attached ${v.count} images; the limit is ${v.max}.`,
    image_not_recognised: (v) => `${image(v)} is not a recognised image; use PNG, JPEG or WebP.`,
    image_type: (v) => `${image(v)} is of type ${v.contentType}; use PNG, JPEG or WebP.`,
    image_file_size_impossible: (v) => `${image(v)} has an impossible file size (${v.bytes} bytes) in Discord's data; upload it again.`,
    image_too_large: (v) => `${image(v)} is ${mb(v.bytes)}; each image can be at most ${mb(v.max)}.`,
    image_no_link: (v) => `${image(v)} has no usable link; upload it again.`,
    image_dimensions_impossible: (v) => `${image(v)} has an impossible size (${v.width}x${v.height} px) in Discord's data; upload it again.`,
    image_link_dead: (v) => `${image(v)}: its link no longer loads (the image may have been deleted); post it again.`,
    image_unreadable: (v) => `${image(v)}: its size could not be read; make sure it is a valid image file.`,
    image_too_small: (v) => `${image(v)} is ${v.width}x${v.height} px; images must be at least ${v.min}x${v.min} px.`,
    image_aspect: (v) => `${image(v)} is ${v.width}x${v.height} px, too ${v.orientation}; the aspect ratio must be between 1:${v.maxAspect} and ${v.maxAspect}:1.`,
  },

  refusal: {
    blocked: (v) => `You are not allowed to make videos ${v.place === 'dm' ? 'in direct messages' : 'in this server'} (${blocked[v.limit]}).`,
    daily_videos_used: (v) =>
      `You have used ${v.used === v.max ? `your ${count(v.max, 'video')} for today` : `${count(v.used, 'video')} today`} (limit ${v.max}). It resets ${discordTime(v.resetAt)}.`,
    daily_videos_left: (v) =>
      `variations:${v.takes} makes ${count(v.takes, 'video')}, and you have ${count(v.left, 'video')} left today (limit ${v.max}). Ask for ${v.left} at most, or wait: it resets ${discordTime(v.resetAt)}.`,
    longer_than_daily: (v) =>
      v.takes
        ? `${count(v.takes, 'video')} of ${v.seconds / v.takes} s (${v.seconds} s in all) are longer than your daily ${count(v.max, 'second')}; choose fewer variations or a shorter duration.`
        : `A ${v.seconds}-second video is longer than your daily ${count(v.max, 'second')}; choose a shorter duration.`,
    daily_seconds_left: (v) =>
      v.takes
        ? `These ${count(v.takes, 'video')} of ${v.seconds / v.takes} s (${v.seconds} s in all) would exceed your daily ${count(v.max, 'second')} (${v.left} s left). It resets ${discordTime(v.resetAt)}.`
        : `This ${v.seconds}-second video would exceed your daily ${count(v.max, 'second')} (${v.left} s left). It resets ${discordTime(v.resetAt)}.`,
    concurrent_full: (v) =>
      v.takes
        ? `variations:${v.takes} runs ${count(v.takes, 'video')} at once, and you already have ${count(v.active, 'video')} generating (limit ${v.max}). Wait for one to finish, cancel it, or ask for fewer variations.`
        : `You already have ${count(v.active, 'video')} generating (limit ${v.max}). Wait for one to finish or cancel it.`,
    cooldown: (v) => `Please wait ${v.wait} more ${v.wait === 1 ? 'second' : 'seconds'} between videos (cooldown ${v.cooldown} s).`,
    budget_daily: (v) =>
      `This server's daily video budget has ${v.left} s of ${v.max} s left today; this video needs ${v.seconds} s. It resets ${discordTime(v.resetAt)}.`,
    budget_monthly: (v) =>
      `This server's monthly video budget has ${v.left} s of ${v.max} s left this month; this video needs ${v.seconds} s. It resets ${discordTime(v.resetAt)} (${discordTime(v.resetAt, 'f')}).`,
    takes_need_approval: (v) =>
      `On this server a video like this needs a moderator's approval, and variations:${v.takes} cannot wait for one. Ask for one video (no variations): it waits for the approval.`,
    server_concurrent_full: (v) => `This server already has ${count(v.active, 'video')} generating (limit ${v.max} at once). Please try again when one has finished.`,
    channel_not_allowed: (v) =>
      v.allowed.length ? `Videos are made in ${v.allowed.map(channel).join(', ')} on this server, not here.` : 'Videos cannot be made in this channel on this server.',
  },

  userError: {
    limits_server_record_damaged: () =>
      "This server's saved video limits could not be read, so no video can be checked against them. A moderator can repair them by setting them again with /video-limits server.",
    limits_member_record_damaged: (v) =>
      `The video limits saved for <@${v.userId}> in this server could not be read. A moderator can repair them with /video-limits reset or /video-limits user for that member.`,
  },

  failure: {
    unconfirmed: () => 'The video service did not confirm the submission, so the bot stopped tracking it and gave your quota back. Please run /video again.',
    overdue: (v) =>
      `The video service had still not finished it after ${Math.round(v.waitedMs / 60_000)} minutes, so the bot stopped waiting and gave your quota back. Please try again.`,
    unauthorized: () => 'The bot is misconfigured: the video service refused its API key. Please tell a server admin.',
    no_credit: () => "The bot's video credit is used up. Please tell the bot's owner.",
    refused: (v) => (v.providerMessage ? `The video service refused the request: ${v.providerMessage}` : 'The video service refused the request.'),
    busy: () => 'The video service is busy right now. Please try again in a minute.',
    unreachable: () => 'The video service could not be reached. Please try again in a minute.',
    internal: () => 'Something went wrong on our side. Please try again.',
    task_failed: (v) => (v.providerMessage ? `The video service could not make it: ${v.providerMessage}` : 'The video service could not make it.'),
    task_cancelled: () => 'The video service cancelled the task.',
    lost_track: () => 'The bot lost track of this job at the video service. Your quota was given back; please try again.',
    // The video link follows it in the job message.
    undeliverable: () => 'Discord refused every way the bot tried to post it: this message, a new message in the channel and a DM to you.',
    legacy: (v) => v.text,
  },

  job: {
    generating: 'Generating',
    submitting: 'Submitting',
    queued: 'Queued',
    elapsed: ({ seconds: s }) => (s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`),
    duration: (v) => `${v.seconds} s`,
    preview: 'preview',
    randomSeed: 'random seed',
    seed: (v) => `seed ${v.seed}`,
    images: (v) => count(v.count, 'image'),
    cancelButton: 'Cancel',
    rerollButton: 'Re-roll',
    remixButton: 'Remix',
    finalButton: 'Final 1080p',
    deleteButton: 'Delete',
    cameFrom: (v) => `${v.kind === 'remix' ? 'Remix' : 'Final'} of ${v.url ?? 'an earlier video'}`,
    sourceButton: 'Source video',
    downloadButton: 'Download video',
    ready: 'Your video is ready',
    fetchRefusedTitle: 'Your video was made but could not be fetched',
    fetchRefused: "The video service's link points somewhere the bot does not fetch from, so there is no file or link to show; Re-roll makes a new one.",
    linkExpiry: (v) => (v.at ? `; the link expires ${discordTime(v.at)}` : ''),
    linkProblem: {
      not_web: () => 'the video service sent a link that is not a web (http or https) address',
      too_long: (v) => `it is ${v.length} characters long and Discord allows ${v.max}`,
    },
    tooLarge: (v) =>
      `${v.what}${v.sizeBytes !== undefined ? ` (${mb1(v.sizeBytes)})` : ''} is too large to upload here${v.limitBytes !== undefined ? ` (limit ${mb1(v.limitBytes)})` : ''}`,
    noRoom: (v) => `${v.what} (${mb1(v.sizeBytes)}) did not fit in this message beside the takes before it (${mb1(v.limitBytes)} in all)`,
    notAttachable: (v) => `${v.what} could not be attached here`,
    theVideo: 'The video',
    useButton: (v) => `Use the button below to download it${v.expiry}.`,
    noButton: (v) => `${v.why}, and its download link cannot be a button: ${v.linkWhy}`,
    hereItIs: (v) => `${v.noButton}. Here it is${v.expiry}: <${v.href}>`,
    linkTooLongToShow: (v) => `${v.noButton}${v.hasLink ? ', and it is too long to show here' : ''}.`,
    sourceNotButton: (v) => `${v.take ? `${v.take}'s source link` : 'The source link'} is not shown as a button: ${v.linkWhy}.`,
    take: (v) => `Take ${v.index}`,
    takesCount: (v) => `${v.count} takes`,
    runningTakes: (v) => `🎞️ **${v.count} takes** · ${v.elapsed}`,
    takeReady: '✅ ready',
    takeFailed: (v) => `❌ could not be made. ${v.reason}`,
    takeCancelled: '🛑 cancelled',
    takeUndeliverable: '⚠️ made, not posted',
    takeLinked: '✅ ready, linked below',
    takesReady: (v) => (v.made === v.count ? `Your ${v.count} takes are ready` : `${v.made} of your ${v.count} takes are ready`),
    eta: (v) => `done ${discordTime(v.at)}`,
    failedTitle: 'The video could not be made.',
    cancelledTitle: (v) => `Cancelled${v.byUserId ? ` by <@${v.byUserId}>` : ''}.`,
    cancelledQuotaKept: 'The video service had already accepted it and still makes it (it cannot be stopped there), so it counts toward your limits today.',
    cancelledQuotaBack: 'It never reached the video service; your quota for it was given back.',
    undeliverableTitle: 'Your video was made, but it could not be posted.',
    nothingSubmitted: 'Nothing was submitted and no quota was used.',
    reference: (v) => `Reference: \`${v.reference}\``,
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
    tooOld: 'This video job is too old for that; please run /video again.',
    stillRunningRemix: 'This video is still being made; use this once it is finished.',
    finalAlready1080: 'This video is already 1080p; Final makes a 1080p version of a smaller take.',
    finalNoSeed: 'This video has no recorded seed, so a Final could not reproduce it; use Remix instead.',
    finalTaken: 'This take already has its Final (one per take); look for it in this channel.',
    notYoursToDelete: 'Only the person who made this video or a moderator can delete it.',
    deleted: 'Deleted.',
    deleteFailed: 'Discord did not let the bot delete that message; it may already be gone.',
  },

  modals: {
    remixTitle: 'Remix this video',
    finalTitle: 'Final at 1080p',
    makeTitle: (v) => `Make a video from ${count(v.count, 'image')}`,
    promptLabel: 'Prompt',
    promptDescription: 'Describe the motion and camera, not the looks (the images give those)',
    promptNotShown: (v) =>
      `The prompt is ${v.length} characters, more than a form field holds (${v.max}), so it is not shown here. Leave the field empty to keep it, or type a new one.`,
    promptKeep: 'Empty: keep the original prompt',
    modelLabel: 'Model and resolution',
    modelOption: (v) => `${v.model} · ${v.resolution}`,
    durationLabel: 'Duration',
    aspectLabel: 'Aspect ratio',
    uploadLabel: 'More images (optional)',
    uploadDescription: (v) => `${count(v.found, 'image')} found in the message; add up to ${v.room} more (PNG, JPEG or WebP).`,
    imagesFull: (v) =>
      v.total > v.max
        ? `This message has ${v.total} images; the first ${v.found} are used (a video takes at most ${v.max}), so no more can be added.`
        : `This message's ${count(v.found, 'image')} are used: a video takes at most ${v.max}, so no more can be added.`,
    finalSummary: (v) => `Same images, prompt, seed ${v.seed}, model ${v.model} and aspect ratio ${v.aspectRatio}, at 1080p. Choose the duration.`,
  },

  make: {
    noImages:
      'This message has no images to make a video from. The bot looked at its attachments (PNG, JPEG or WebP images) and at the images of its embeds. Use it on a message that has images, or run /video and attach them.',
    draftGone: 'This form has expired. Run "Make a video" on the message again.',
  },

  problems: {
    request: (v) => (v.count === 1 ? 'This request has a problem' : `This request has ${v.count} problems`),
    limitReached: 'Limit reached',
    rerollNotHere: 'This video can no longer be re-rolled here',
    finalNotHere: 'This video cannot be made at 1080p here',
    remixNotHere: (v) => (v.count === 1 ? 'This remix has a problem' : `This remix has ${v.count} problems`),
    imagesGoneTitle: 'The reference images are gone',
    imagesGone: 'Discord no longer has the images of this video. Please run /video again with the images attached.',
  },

  router: {
    crash: 'Something went wrong on our side. Please try again.',
    // Handlers write nothing before their reads succeed and give a reservation back when the job cannot be
    // written (JobService.start), so nothing was started or counted.
    storeDown: "The bot's storage is not answering right now, so nothing was started or counted. Please try again in a minute.",
    buttonInvalid: 'This button is no longer valid.',
    formInvalid: 'This form is no longer valid.',
    privateUndelivered: ({ count: n }) =>
      `${n === 1 ? 'A private video of yours' : `${n} private videos of yours`} could not reach you: the private message had expired and your DMs are closed to this bot. Allow DMs from this server's members, then use /video-history to send ${n === 1 ? 'it' : 'them'} again.`,
  },

  refs: {
    refusal: {
      name_taken: (v) =>
        `${v.owner === 'server' ? 'This server already has' : 'You already have'} a set named \`${v.name}\`; choose another name, or delete that one first with /video-refs delete.`,
      member_full: (v) =>
        v.max === 0 ? 'This bot does not keep sets of members.' : `You already keep ${count(v.max, 'set')}, the most allowed; delete one with /video-refs delete first.`,
      server_full: (v) =>
        v.max === 0 ? 'This bot does not keep server sets.' : `This server already keeps ${count(v.max, 'set')}, the most allowed; a moderator can delete one with /video-refs delete.`,
    },
    badName: (v) => `\`${v.name}\` cannot be a set name: use 1 to 32 letters, digits, - or _.`,
    serversOnly: 'Server sets exist in servers only; leave out server:true to save the set as your own.',
    notModerator: 'Only members with the Manage Server permission can save server sets; leave out server:true to save the set as your own.',
    problems: (v) => `${v.count === 1 ? 'An image has a problem' : `The images have ${v.count} problems`}; nothing was saved`,
    saved: (v) => `Saved ${v.server ? 'the server set' : 'your set'} \`${v.name}\` with ${count(v.images, 'image')}. Use it with /video refs:${v.name}.`,
    listMine: (v) => `**Your sets** (${v.count} of ${v.max})`,
    listServer: (v) => `**This server's sets** (${v.count} of ${v.max})`,
    listEntry: (v) => `\`${v.name}\` (${count(v.images, 'image')})`,
    listNone: 'none yet; save one with /video-refs save',
    notFound: (v) => `There is no set named \`${v.name}\` among your sets${v.inServer ? " or this server's" : ''}; see /video-refs list.`,
    showTitle: (v) => `${v.server ? 'Server set' : 'Your set'} \`${v.name}\`, ${count(v.images, 'image')}:`,
    showImage: (v) => `${v.n}. ${v.filename}, ${v.width}x${v.height} px, ${mb(v.bytes)}: ${v.url}`,
    deleted: (v) => `Deleted ${v.server ? 'the server set' : 'your set'} \`${v.name}\` and its images.`,
    deleteNotModerator: (v) => `\`${v.name}\` is a server set: only members with the Manage Server permission can delete it.`,
    choice: (v) => `${v.name} · ${v.server ? 'server' : 'yours'} · ${count(v.images, 'image')}`,
    uploadFailed: "The saved set's images could not be handed to the video service right now; please try again in a minute.",
    setGoneTitle: 'The saved set is gone',
    setGone: 'The saved set this video was made from has been deleted. Please run /video again.',
  },

  limits: {
    label: {
      dailyVideos: 'Videos per day',
      dailySeconds: 'Seconds of video per day',
      concurrent: 'Videos at once',
      cooldown: 'Cooldown between videos',
    },
    source: { 'bot default': 'bot default', 'server default': 'server default', role: 'role', 'member override': 'member override' },
    value: ({ limit, value }) => (limit === 'cooldown' && value === 0 ? 'none' : limit === 'cooldown' || limit === 'dailySeconds' ? `${value} s` : String(value)),
    line: (v) => `${v.label}: **${v.value}** (${v.source})`,
    usage: (v) => ` · used ${v.used}, ${v.left} left`,
    nextVideo: (v) => `Next video possible ${discordTime(v.at)}`,
    resets: (v) => `Daily limits reset ${discordTime(v.at)} (${discordTime(v.at, 'f')}, midnight UTC).`,
    usageTitle: 'Your video usage today',
    memberTitle: (v) => `Limits of <@${v.userId}>`,
    serverTitle: 'Server default limits',
    capsTitle: 'Server caps',
    capDuration: (v) => `Longest video: ${v.maxDuration ? `${v.maxDuration} s` : 'no cap'}`,
    capResolution: (v) => `Highest resolution: ${v.maxResolution ?? 'no cap'}`,
    capModels: (v) => `Models: ${v.models?.length ? v.models.join(', ') : 'all'}`,
    saved: (v) => `Saved. ${v.details}`,
    reset: (v) => `Reset. ${v.details}`,
    serversOnly: '/video-limits works in servers only.',
    notModerator: 'Only members with the Manage Server permission can change video limits. See your own with /video-usage.',
    noLimitGiven: 'Give at least one limit to set, e.g. daily_videos:3.',
    noValueGiven: 'Give at least one value to set, e.g. daily_videos:5 or max_resolution:720p.',
    noBudgetGiven: 'Give daily_seconds or monthly_seconds, e.g. daily_seconds:600 (0 removes that budget).',
    fromRole: (v) => `role ${role(v.roleId)}`,
    rolesTitle: 'Role limits',
    roleLine: (v) => `${role(v.roleId)}: ${v.limits}`,
    roleTitle: (v) => `Limits of the role ${role(v.roleId)}`,
    roleCleared: (v) => `Cleared: the role ${role(v.roleId)} has no limits of its own now.`,
    noRoles: 'no role has limits of its own',
    channelsTitle: 'Channels',
    channelsEverywhere: '/video works in every channel',
    channelsOnly: (v) => `/video works only in ${v.channelIds.map(channel).join(', ')}`,
    channelsExcept: (v) => `/video works everywhere except ${v.channelIds.map(channel).join(', ')}`,
    budgetTitle: 'Server budget',
    budgetDay: (v) => `Today: ${v.used} s used${v.max === undefined ? ' (no daily budget)' : ` of ${v.max} s, ${Math.max(0, v.max - v.used)} s left; resets ${discordTime(v.resetAt)}`}`,
    budgetMonth: (v) => `This month: ${v.used} s used${v.max === undefined ? ' (no monthly budget)' : ` of ${v.max} s, ${Math.max(0, v.max - v.used)} s left; resets ${discordTime(v.resetAt)}`}`,
    serverConcurrent: (v) => `Videos at once in the whole server: ${v.max === undefined ? 'no limit' : `**${v.max}**`} (${v.active} generating now)`,
    auditChannel: (v) => `Audit channel: ${v.channelId ? channel(v.channelId) : 'off'}`,
    auditFailed: (v) =>
      `Audit posts to ${channel(v.channelId)} have stopped: Discord refused the bot there (${v.status}${v.code !== null ? ` / ${v.code}` : ''}, missing access or permission). Give the bot View Channel and Send Messages in that channel, then set it again with /video-limits audit.`,
    serverBudgetTitle: "This server's video budget",
  },

  audit: {
    setting: {
      dailyVideos: 'videos per day',
      dailySeconds: 'seconds per day',
      concurrent: 'videos at once',
      cooldown: 'cooldown',
      maxDuration: 'longest video',
      maxResolution: 'highest resolution',
      models: 'models',
      serverConcurrent: 'videos at once in the server',
      budgetDaily: 'budget per day',
      budgetMonthly: 'budget per month',
      allowed: '/video allowed',
      auditChannel: 'audit channel',
      approvalAbove: 'approval above',
      approvalResolution: 'approval at resolution',
      approvalChannel: 'approval channel',
    },
    value: ({ setting, value }) => {
      if (value === null) return 'not set';
      if (typeof value === 'boolean') return value ? 'yes' : 'no';
      if (Array.isArray(value)) return value.join(', ');
      if (setting === 'auditChannel' || setting === 'approvalChannel') return channel(String(value));
      const seconds: SettingName[] = ['dailySeconds', 'cooldown', 'maxDuration', 'budgetDaily', 'budgetMonthly', 'approvalAbove'];
      return seconds.includes(setting) ? `${String(value)} s` : String(value);
    },
    target: (t) => (t.kind === 'server' ? 'server' : t.kind === 'member' ? `<@${t.userId}>` : t.kind === 'role' ? `role ${role(t.roleId)}` : channel(t.channelId)),
    change: (v) => `${v.target} · ${v.setting}: ${v.before} -> ${v.after}`,
    limitsChanged: (v) => [`**Video limits changed** by <@${v.moderatorId}>`, ...v.changes.map((c) => `• ${c}`)].join('\n'),
    memberReset: (v) => [`**Video limits reset** for <@${v.userId}> by <@${v.moderatorId}> (usage today cleared)`, ...v.changes.map((c) => `• ${c}`)].join('\n'),
    budgetRefused: (v) =>
      `**Budget refusal**: <@${v.userId}>${v.channelId ? ` in ${channel(v.channelId)}` : ''} asked for ${v.refusal.seconds} s; ${v.refusal.left} s of ${v.refusal.max} s left ${v.refusal.code === 'budget_daily' ? 'today' : 'this month'}.`,
  },

  history: {
    title: 'Your latest videos',
    empty: 'You have no videos in the history yet. It lists the videos you start from now on.',
    state: {
      reserved: 'Starting',
      submitting: 'Submitting',
      queued: 'Queued',
      generating: 'Generating',
      completed: 'Made',
      delivered: 'Delivered',
      failed: 'Failed',
      cancelled: 'Cancelled',
      undeliverable: 'Made, not posted',
      waiting: 'Waiting in line',
      awaiting_approval: 'Awaiting approval',
      denied: 'Denied',
    },
    line: (v) => `**${v.index}.** ${v.state} · ${discordTime(v.at)}${v.link ? ` · [job message](${v.link})` : ''}\n> ${v.prompt}`,
    sendAgainButton: (v) => `Send #${v.index} again`,
    missing: 'This video job no longer exists.',
    notYours: 'This is not your video: only the person who made it can have it sent again.',
    expired: 'The video service no longer keeps this video, so it cannot be sent again. Re-roll makes a new one.',
    sentByDm: 'The video could not be shown here, so it was sent to you by DM.',
    notSent: 'The video could not be sent here or by DM. Please try again in a minute.',
  },

  stats: {
    title: 'Video stats of this server',
    today: 'Today (UTC)',
    month: 'This month (UTC)',
    period: (v) => `**${v.label}**: ${count(v.videos, 'video')}, ${count(v.seconds, 'second')}`,
    topLine: (v) => `${v.rank}. <@${v.userId}>: ${count(v.seconds, 'second')} (${count(v.videos, 'video')})`,
    budget: (v) =>
      `Budget left: ${[v.daily !== null ? `${count(v.daily, 'second')} today` : undefined, v.monthly !== null ? `${count(v.monthly, 'second')} this month` : undefined]
        .filter((x) => x !== undefined)
        .join(', ')}`,
    csv: (v) => `The attached CSV lists the ${count(v.rows, 'job')} of the last ${v.days} days. Videos and seconds count the jobs that use quota: running, made, or cancelled after the video service accepted them.`,
    serversOnly: '/video-stats works in servers only.',
    notModerator: 'Only members with the Manage Server permission can see the video stats of this server. See your own with /video-usage.',
  },

  queue: {
    waiting: (v) => `Waiting: ${ordinal(v.place)} in line`,
    note: 'Starts by itself when a slot frees. Cancel gives its quota back.',
  },

  approval: {
    awaiting: "Waiting for a moderator's approval",
    awaitingNote: (v) => `A moderator decides in ${channel(v.channelId)}. Denied or not decided within 24 hours, its quota comes back.`,
    over: (v) =>
      [v.aboveSeconds !== undefined && v.seconds > v.aboveSeconds ? `longer than ${v.aboveSeconds} s` : undefined, v.atResolution !== undefined && v.resolution === v.atResolution ? `at ${v.resolution}` : undefined]
        .filter((x) => x !== undefined)
        .join(' and '),
    request: (v) =>
      `**Video request awaiting approval** from <@${v.userId}>${v.channelId ? ` in ${channel(v.channelId)}` : ''}${v.why ? ` (${v.why})` : ''}\n${v.prompt}\n-# ${v.options} · denied by itself ${discordTime(v.expiresAt)}`,
    approveButton: 'Approve',
    denyButton: 'Deny',
    approvedPost: (v) => `${v.post}\n✅ Approved by <@${v.byUserId}>`,
    deniedPost: (v) => `${v.post}\n${v.byUserId ? `⛔ Denied by <@${v.byUserId}>` : '⛔ Denied: not decided within 24 hours'}`,
    cancelledPost: (v) => `${v.post}\n🛑 Cancelled before a decision`,
    notModerator: 'Only members with the Manage Server permission can approve or deny video requests.',
    approved: 'Approved: the video is being made.',
    denied: 'Denied: the request is ended and its quota given back.',
    alreadyDecided: 'This request was already decided (or cancelled).',
    missing: 'This video request no longer exists.',
    deniedTitle: (v) => (v.byUserId ? `⛔ **Denied** by a moderator (<@${v.byUserId}>)` : '⛔ **Denied**: no moderator decided within 24 hours'),
    deniedQuotaBack: 'Nothing was made and it did not count against your limits.',
    needsChannel: 'Give a channel too: requests over the threshold are posted there for a moderator to approve or deny.',
    settings: (v) =>
      v.channelId === undefined || (v.aboveSeconds === undefined && v.atResolution === undefined)
        ? 'Approval: off'
        : `Approval: requests ${[v.aboveSeconds !== undefined ? `longer than ${v.aboveSeconds} s` : undefined, v.atResolution !== undefined ? `at ${v.atResolution}` : undefined].filter((x) => x !== undefined).join(' or ')} wait for a moderator in ${channel(v.channelId)}`,
    auditApproved: (v) => `**Video request approved** by <@${v.moderatorId}>: <@${v.userId}>'s ${v.summary} (job ${v.jobId})`,
    auditDenied: (v) => `**Video request denied** ${v.moderatorId ? `by <@${v.moderatorId}>` : '(not decided within 24 hours)'}: <@${v.userId}>'s ${v.summary} (job ${v.jobId})`,
  },
};
