import type { Messages } from './types';
import type { SettingName } from '../../limits/audit';
import { discordTime } from '../../util/discord-time';

/** English: every user-facing sentence of validation, limits, the limits views and the router. */

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(bytes % MB === 0 ? 0 : 1)} MB`;
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const image = (v: { image: number; filename: string }) => `image${v.image} (${v.filename})`;
const channel = (id: string) => `<#${id}>`;
const role = (id: string) => `<@&${id}>`;
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
    longer_than_daily: (v) => `A ${v.seconds}-second video is longer than your daily ${count(v.max, 'second')}; choose a shorter duration.`,
    daily_seconds_left: (v) => `This ${v.seconds}-second video would exceed your daily ${count(v.max, 'second')} (${v.left} s left). It resets ${discordTime(v.resetAt)}.`,
    concurrent_full: (v) => `You already have ${count(v.active, 'video')} generating (limit ${v.max}). Wait for one to finish or cancel it.`,
    cooldown: (v) => `Please wait ${v.wait} more ${v.wait === 1 ? 'second' : 'seconds'} between videos (cooldown ${v.cooldown} s).`,
    budget_daily: (v) =>
      `This server's daily video budget has ${v.left} s of ${v.max} s left today; this video needs ${v.seconds} s. It resets ${discordTime(v.resetAt)}.`,
    budget_monthly: (v) =>
      `This server's monthly video budget has ${v.left} s of ${v.max} s left this month; this video needs ${v.seconds} s. It resets ${discordTime(v.resetAt)} (${discordTime(v.resetAt, 'f')}).`,
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

  problems: {
    request: (v) => (v.count === 1 ? 'This request has a problem' : `This request has ${v.count} problems`),
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
    },
    value: ({ setting, value }) => {
      if (value === null) return 'not set';
      if (typeof value === 'boolean') return value ? 'yes' : 'no';
      if (Array.isArray(value)) return value.join(', ');
      if (setting === 'auditChannel') return channel(String(value));
      const seconds: SettingName[] = ['dailySeconds', 'cooldown', 'maxDuration', 'budgetDaily', 'budgetMonthly'];
      return seconds.includes(setting) ? `${String(value)} s` : String(value);
    },
    target: (t) => (t.kind === 'server' ? 'server' : t.kind === 'member' ? `<@${t.userId}>` : t.kind === 'role' ? `role ${role(t.roleId)}` : channel(t.channelId)),
    change: (v) => `${v.target} · ${v.setting}: ${v.before} -> ${v.after}`,
    limitsChanged: (v) => [`**Video limits changed** by <@${v.moderatorId}>`, ...v.changes.map((c) => `• ${c}`)].join('\n'),
    memberReset: (v) => [`**Video limits reset** for <@${v.userId}> by <@${v.moderatorId}> (usage today cleared)`, ...v.changes.map((c) => `• ${c}`)].join('\n'),
    budgetRefused: (v) =>
      `**Budget refusal**: <@${v.userId}>${v.channelId ? ` in ${channel(v.channelId)}` : ''} asked for ${v.refusal.seconds} s; ${v.refusal.left} s of ${v.refusal.max} s left ${v.refusal.code === 'budget_daily' ? 'today' : 'this month'}.`,
  },
};
