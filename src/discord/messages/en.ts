import type { Messages } from './types';
import { discordTime } from '../../util/discord-time';
import type { NotAttached } from '../card-reasons';

/** English: every user-facing sentence of validation, limits, the limits views and the router. */

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(bytes % MB === 0 ? 0 : 1)} MB`;
const mb1 = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const image = (v: { image: number; filename: string }) => `image${v.image} (${v.filename})`;
const blocked = { dailyVideos: 'limit 0', dailySeconds: 'daily seconds limit 0', concurrent: 'concurrent limit 0' } as const;

/** The start of the sentence saying why a made video is a link here, not a file (card-reasons.ts). */
function notAttachedWhy(who: string, why: Exclude<NotAttached, { code: 'link_refused' }>): string {
  const size = (bytes: number | undefined) => (bytes !== undefined ? ` (${mb1(bytes)})` : '');
  switch (why.code) {
    case 'too_large':
      return `${who}${size(why.sizeBytes)} is too large to upload here (limit ${mb1(why.limitBytes)})`;
    case 'no_room':
      return `${who}${size(why.sizeBytes)} did not fit in this message with the others (${mb1(why.limitBytes)} in all)`;
    case 'refused':
      return `${who}${size(why.sizeBytes)} is too large to upload here`;
    case 'not_downloaded':
      return `${who} could not be attached here`;
  }
}

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
    images_missing: () => 'Attach at least one reference image.',
    images_too_many: (v) => `You attached ${v.count} images; the limit is ${v.max}.`,
    image_not_recognised: (v) => `${image(v)} is not a recognised image; use PNG, JPEG or WebP.`,
    image_type: (v) => `${image(v)} is of type ${v.contentType}; use PNG, JPEG or WebP.`,
    image_file_size_impossible: (v) => `${image(v)} has an impossible file size (${v.bytes} bytes) in Discord's data; upload it again.`,
    image_too_large: (v) => `${image(v)} is ${mb(v.bytes)}; each image can be at most ${mb(v.max)}.`,
    image_no_link: (v) => `${image(v)} has no usable link; upload it again.`,
    image_dimensions_impossible: (v) => `${image(v)} has an impossible size (${v.width}x${v.height} px) in Discord's data; upload it again.`,
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
  },

  userError: {
    limits_server_record_damaged: () =>
      "This server's saved video limits could not be read, so no video can be checked against them. A moderator can repair them by setting them again with /video-limits server.",
    limits_member_record_damaged: (v) =>
      `The video limits saved for <@${v.userId}> in this server could not be read. A moderator can repair them with /video-limits reset or /video-limits user for that member.`,
  },

  problems: {
    request: (v) => (v.count === 1 ? 'This request has a problem' : `This request has ${v.count} problems`),
    limitReached: 'Limit reached',
    rerollNotHere: 'This video can no longer be re-rolled here',
    imagesGoneTitle: 'The reference images are gone',
    imagesGone: 'Discord no longer has the images of this video. Please run /video again with the images attached.',
  },

  card: {
    preview: 'preview',
    randomSeed: 'random seed',
    seed: (v) => `seed ${v.seed}`,
    takesCount: (v) => `${v.count} takes`,
    images: (v) => count(v.count, 'image'),
    take: (v) => `Take ${v.index}`,
    submitting: '📨 **Submitting**',
    queued: '⏳ **Queued**',
    generating: (v) => `🎬 **Generating** · ${v.progress}% \`${v.bar}\``,
    eta: (v) => `done ${discordTime(v.at)}`,
    runningTakes: (v) => `🎞️ **${v.count} takes** · ${v.elapsed}`,
    takeReady: '✅ ready',
    takeFailed: (v) => `❌ could not be made. ${v.reason}`,
    takeCancelled: '🛑 cancelled',
    takeUndeliverable: '⚠️ made, not posted',
    takeLinked: '✅ ready, linked below',
    ready: '✅ **Your video is ready**',
    takesReady: (v) => (v.made === v.count ? `✅ **Your ${v.count} takes are ready**` : `✅ **${v.made} of your ${v.count} takes are ready**`),
    notFetched: '⚠️ **Your video was made but could not be fetched**',
    failed: '❌ **The video could not be made.**',
    cancelled: (v) => `🛑 **Cancelled${v.by ? ` by <@${v.by}>` : ''}.**`,
    cancelledKept: 'The video service had already accepted it and still makes it (it cannot be stopped there), so it counts toward your limits today.',
    cancelledReturned: 'It never reached the video service; your quota for it was given back.',
    undeliverable: (v) => `⚠️ **Your video was made, but it could not be posted.** ${v.reason}`,
    undeliverableWhy: 'Discord refused every way the bot tried to post it: this message, a new message in the channel and a DM to you.',
    theVideo: 'The video',
    expires: (v) => `; the link expires ${discordTime(v.at)}`,
    useButtons: (v) => `Use the button below to download it${v.expiry}.`,
    notAttached: ({ who, why, expiry }) =>
      why.code === 'link_refused'
        ? "The video service's link points somewhere the bot does not fetch from, so there is no file or link to show; Re-roll makes a new one."
        : `${notAttachedWhy(who, why)}. Use the button below to download it${expiry}.`,
    badLink: ({ who, link, notAttached, expiry, showHref }) => {
      const why = link.why === 'not_web' ? 'the video service sent a link that is not a web (http or https) address' : `it is ${link.length} characters long and Discord allows ${link.max}`;
      if (!notAttached) return `-# ${who === 'The video' ? 'The source link' : `${who}'s source link`} is not shown as a button: ${why}.`;
      const noButton = `${notAttachedWhy(who, notAttached)}, and its download link cannot be a button: ${why}`;
      if (link.why !== 'too_long') return `${noButton}.`;
      return showHref ? `${noButton}. Here it is${expiry}: <${link.href}>` : `${noButton}, and it is too long to show here.`;
    },
    cancel: 'Cancel',
    reroll: 'Re-roll',
    source: 'Source video',
    download: 'Download video',
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
    source: { 'bot default': 'bot default', 'server default': 'server default', 'member override': 'member override' },
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
  },
};
