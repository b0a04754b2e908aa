import type { Job } from '../../src/jobs/record';
import type { JobPlan } from './plan';
import { STRANDED_GRACE_MS } from '../../src/interactions/stranded';

/**
 * Judges a finished chaos run from what was observed outside the bot (the fakes' records, the bots' output)
 * and the store's records. Pure: every assertion of the suite is a function from an Observation to a list of
 * problems, each a sentence naming the job, so a failing run says what went wrong where.
 */

export type MessageKind = 'thinking' | 'running' | 'delivered' | 'failed' | 'cancelled' | 'refused' | 'other';
const FINAL_KINDS: ReadonlySet<MessageKind> = new Set(['delivered', 'failed', 'cancelled', 'refused', 'other']);
export const isFinalKind = (k: MessageKind) => FINAL_KINDS.has(k);

const FLAG_LOADING = 1 << 7;

export interface MessageLike {
  content?: string;
  components?: unknown;
  flags?: number;
  attachments: { filename: string }[];
}

/** Every text a message shows: its content and the text displays of a Components V2 card. */
export function messageText(m: Pick<MessageLike, 'content' | 'components'>): string {
  const parts: string[] = [m.content ?? ''];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.content === 'string') parts.push(o.content);
    walk(o.components);
    walk(o.accessory);
  };
  walk(m.components);
  return parts.join('\n');
}

/** Custom ids of a message's buttons. */
export function customIds(components: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.custom_id === 'string') out.push(o.custom_id);
    walk(o.components);
    walk(o.accessory);
  };
  walk(components);
  return out;
}

/** The job ids a message's buttons name (`vidu:<action>:<jobId>`). */
export function jobIdsIn(components: unknown): string[] {
  return [...new Set(customIds(components).flatMap((id) => /^vidu:[a-z]+:([a-z0-9]{8,32})$/.exec(id)?.[1] ?? []))];
}

/**
 * What a job message shows, read as a member would: still "thinking…", running (a status with a Cancel
 * button), or one of the final states.
 */
export function classify(m: MessageLike): MessageKind {
  const text = messageText(m);
  if ((m.flags ?? 0) & FLAG_LOADING || (!text.trim() && m.attachments.length === 0)) return 'thinking';
  if (customIds(m.components).some((id) => id.startsWith('vidu:cancel:'))) return 'running';
  // The emoji first (docs/commands.md, the job message); the wording as a fallback for a reworded render.
  if (text.includes('✅') || /video is ready/i.test(text)) return 'delivered';
  if (text.includes('🛑') || /\bcancell?ed\b/i.test(text)) return 'cancelled';
  if (text.includes('⚠️')) return 'refused';
  if (text.includes('❌') || /could not be made/i.test(text)) return 'failed';
  if (/📨|⏳|🎬/.test(text)) return 'running';
  return 'other';
}

export interface ObservedMessage {
  id: string;
  /** The job's own reply (the deferred interaction response); other messages are channel posts or DMs. */
  isReply: boolean;
  dm: boolean;
  kind: MessageKind;
  /** MP4 files attached. */
  videoFiles: string[];
  excerpt: string;
}

export interface ObservedSubmit {
  key: string | undefined;
  /** The provider handled it (a task exists for it), whatever the bot heard. */
  processed: boolean;
  fault: string | undefined;
}

export interface ObservedJob {
  plan: JobPlan;
  interactionId: string;
  /** When the fake handed the interaction to a bot (ms epoch). */
  dispatchedAt: number;
  acked: boolean;
  /** When the fake answered its deferral. */
  ackedAt: number | undefined;
  messages: ObservedMessage[];
  /** Job ids seen for this interaction: button custom ids, submit Idempotency-Keys. */
  jobIds: string[];
  submits: ObservedSubmit[];
  /** Tasks the fake provider created for this job. */
  tasks: { id: string; status: string | undefined }[];
  /** The store's record of each job id (undefined when missing or unreadable). */
  records: Record<string, Job | undefined>;
  /** Successful Discord writes that uploaded this job's video (info: an idempotent re-edit is not a second message). */
  uploads: number;
}

export interface ObservedBot {
  index: number;
  killedByUs: boolean;
  stoppedByUs: boolean;
  /** SIGTERM did not end it within 20 s (it was then killed). */
  hungOnStop: boolean;
  exitCode: number | null;
  signal: string | null;
  output: string;
}

export interface Observation {
  seed: number;
  jobs: ObservedJob[];
  killsAt: number[];
  bots: ObservedBot[];
  /** Usage as stored, per (scope, member), for every pair a job of the plan used. */
  usage: { scope: string; userId: string; videos: number; seconds: number }[];
  /** The UTC days the run started and was judged in: usage restarts at midnight. */
  days: [string, string];
  secrets: { name: string; value: string }[];
  faults: Record<string, number>;
  /** Webhook or interaction-callback calls that carried the bot token (docs/discord.md: never). */
  webhookCallsWithBotToken: number;
  /** How long each bot process took from spawn to "bot started". */
  startupMs: number[];
  /** Kills, starts, gateway drops and store faults as they happened (for the CHAOS_REPORT file). */
  events: { at: number; what: string }[];
  durationMs: number;
}

/** An interaction handed to a bot this close to a kill may have died with it unanswered (Discord: "did not respond"). */
const KILL_WINDOW = { beforeMs: 1_000, afterMs: 3_500 };

export function lostAtKill(j: ObservedJob, killsAt: number[]): boolean {
  return !j.acked && killsAt.some((k) => k >= j.dispatchedAt - KILL_WINDOW.beforeMs && k <= j.dispatchedAt + KILL_WINDOW.afterMs);
}

/**
 * Nothing can be written before Discord answers the deferral: a kill soon after it, or while the store has
 * been unusable ever since, may leave the reply "thinking…" whatever the bot does. A reply left so by a store
 * call that hung on a working store, or with no kill at all, is the bot's doing.
 */
// 300 ms: once the deferral is answered, the bot marks the reply in the store (src/interactions/pending.ts: one
// read and one write of its bucket through this suite's fault proxy, beside the request's own work), and the
// next start answers a marked reply that no job took. Only a kill before that marker landed strands the reply.
const STRANDED_MS = 300;

/** When the store could not answer at all (stalls, hangs, outages), from the run's events. */
export function storeDown(o: Pick<Observation, 'events'>): [number, number][] {
  return o.events.flatMap((e) => {
    const m = /^store (stall|hang|outage) (\d+) ms/.exec(e.what);
    return m ? [[e.at, e.at + Number(m[2])] as [number, number]] : [];
  });
}

/**
 * A marked reply is answered through its token only (docs/discord.md), by the next start, or once its grace has
 * passed (src/interactions/stranded.ts): one whose token the plan kills before then cannot be reached.
 */
function tokenDeadBeforeAnswer(j: ObservedJob, kill: number, o: Pick<Observation, 'events'>, at: number): boolean {
  if (j.plan.expireTokenAfterMs === undefined) return false;
  const nextStart = o.events.find((e) => e.at > kill && /^bot #\d+ started/.test(e.what))?.at ?? Infinity;
  return j.dispatchedAt + j.plan.expireTokenAfterMs <= Math.max(nextStart, at + STRANDED_GRACE_MS);
}

export function strandedAtKill(j: ObservedJob, o: Pick<Observation, 'killsAt' | 'events'>): boolean {
  const at = j.ackedAt;
  if (at === undefined || j.jobIds.length > 0 || !j.messages.every((m) => m.kind === 'thinking')) return false;
  const kill = o.killsAt.find((k) => k >= at);
  if (kill === undefined) return false;
  return kill <= at + STRANDED_MS || storeDown(o).some(([from, to]) => from <= at && to >= kill) || tokenDeadBeforeAnswer(j, kill, o, at);
}

const describe = (j: ObservedJob) =>
  j.messages.map((m) => `${m.isReply ? 'reply' : m.dm ? 'dm' : 'post'}=${m.kind}${m.kind === 'running' || m.kind === 'thinking' ? '' : `(${m.excerpt})`}`).join(', ') || 'no message';

const recordOf = (j: ObservedJob): Job | undefined => j.jobIds.map((id) => j.records[id]).find((r) => r !== undefined);

/** Every job that was acknowledged ends in exactly one message showing a final state. */
export function finalMessageProblems(o: Observation): string[] {
  const problems: string[] = [];
  for (const j of o.jobs) {
    if (!j.acked) {
      if (!lostAtKill(j, o.killsAt)) problems.push(`${j.plan.tag}: never acknowledged, and no kill explains it`);
      continue;
    }
    const finals = j.messages.filter((m) => isFinalKind(m.kind));
    if (finals.length !== 1 && !strandedAtKill(j, o)) {
      const rec = recordOf(j);
      const nextKill = j.ackedAt === undefined ? undefined : o.killsAt.find((k) => k >= j.ackedAt!);
      const kill = nextKill === undefined ? '' : `; next kill ${nextKill - j.ackedAt!} ms after its deferral`;
      problems.push(`${j.plan.tag}: ${finals.length} final messages [${describe(j)}]; record: ${rec ? rec.state : j.jobIds.length ? 'missing' : 'no job id seen'}${kill}`);
    }
  }
  return problems;
}

/** What the member sees agrees with the job's record in the store. */
export function recordProblems(o: Observation): string[] {
  const want: Record<string, MessageKind[]> = {
    delivered: ['delivered'],
    failed: ['failed'],
    cancelled: ['cancelled'],
    // Every route failed: whatever the job's message could still be made to say.
    undeliverable: ['failed', 'refused', 'other', 'delivered'],
  };
  const problems: string[] = [];
  for (const j of o.jobs) {
    const finals = j.messages.filter((m) => isFinalKind(m.kind));
    if (new Set(j.jobIds).size > 1) problems.push(`${j.plan.tag}: one interaction, several job ids (${j.jobIds.join(', ')})`);
    for (const id of j.jobIds) if (j.records[id] === undefined) problems.push(`${j.plan.tag}: job ${id} has no record in the store`);
    const rec = recordOf(j);
    if (!rec) continue;
    const kinds = want[rec.state];
    if (!kinds) problems.push(`${j.plan.tag}: record still ${rec.state} at the end [${describe(j)}]`);
    else if (finals.length === 1 && !kinds.includes(finals[0]!.kind)) problems.push(`${j.plan.tag}: record ${rec.state}, message shows ${finals[0]!.kind}`);
  }
  return problems;
}

/** No job made the provider create two tasks; a submit the bot never heard back from ends unconfirmed, never resubmitted. */
export function submitProblems(o: Observation): string[] {
  const problems: string[] = [];
  for (const j of o.jobs) {
    if (j.tasks.length > 1) problems.push(`${j.plan.tag}: ${j.tasks.length} tasks at the provider`);
    const keys = new Set(j.submits.map((s) => s.key));
    if (keys.size > 1) problems.push(`${j.plan.tag}: submitted under ${keys.size} Idempotency-Keys`);
    for (const key of keys) {
      const handled = j.submits.filter((s) => s.key === key && s.processed);
      if (handled.length > 1) problems.push(`${j.plan.tag}: the provider handled ${handled.length} submits for key ${key} (${handled.map((s) => s.fault ?? 'ok').join(', ')})`);
    }
    const rec = recordOf(j);
    if (j.tasks.length === 1 && rec && rec.taskId === null && rec.state !== 'failed' && rec.state !== 'cancelled') {
      problems.push(`${j.plan.tag}: the provider made a task the bot never recorded, yet the job is ${rec.state}, not reported unconfirmed`);
    }
    if (rec?.taskId && j.tasks.length === 1 && rec.taskId !== j.tasks[0]!.id) problems.push(`${j.plan.tag}: record names task ${rec.taskId}, the provider made ${j.tasks[0]!.id}`);
  }
  return problems;
}

/** Submit faults after which the bot cannot know whether the provider made the task. */
const UNANSWERED: ReadonlySet<string> = new Set(['5xx', 'lost', 'timeout', 'malformed']);

/**
 * "Did not confirm" is the honest answer only when something could have hidden the provider's answer: a
 * submit left unanswered or garbled, a kill, or a store break between the job's arrival and its end. Reported
 * otherwise, a task the provider made and bills is thrown away.
 */
export function unconfirmedProblems(o: Observation): string[] {
  // A hang breaks the store when it ends (its reset), an outage or a drop when it starts.
  const storeBreaks = o.events.flatMap((e) => {
    const m = /^store (drop|hang|outage)(?: (\d+) ms)?/.exec(e.what);
    return m ? [e.at + (m[1] === 'hang' ? Number(m[2]) : 0)] : [];
  });
  const breaks = [...o.killsAt, ...storeBreaks];
  const problems: string[] = [];
  for (const j of o.jobs) {
    const rec = recordOf(j);
    if (rec?.state !== 'failed' || rec.failure?.code !== 'unconfirmed') continue;
    if (j.submits.some((s) => s.fault !== undefined && UNANSWERED.has(s.fault))) continue;
    const end = rec.finishedAt ?? Infinity;
    if (breaks.some((t) => t >= j.dispatchedAt - KILL_WINDOW.beforeMs && t <= end)) continue;
    const made = j.tasks.length > 0 ? 'the provider made its task' : 'the provider has no task for it';
    problems.push(`${j.plan.tag}: reported unconfirmed ${end - j.dispatchedAt} ms after it arrived, with no lost answer, kill or store break in between (${made}; submits: ${j.submits.map((s) => s.fault ?? 'ok').join(', ') || 'none'})`);
  }
  return problems;
}

/** No video reached a member twice: one message at most carries the file or the delivered state. */
export function deliveryProblems(o: Observation): string[] {
  const problems: string[] = [];
  for (const j of o.jobs) {
    const withFile = j.messages.filter((m) => m.videoFiles.length > 0);
    const delivered = j.messages.filter((m) => m.kind === 'delivered');
    if (withFile.length > 1) problems.push(`${j.plan.tag}: ${withFile.length} messages carry the video [${describe(j)}]`);
    else if (delivered.length > 1) problems.push(`${j.plan.tag}: ${delivered.length} messages show it delivered [${describe(j)}]`);
    for (const m of withFile) if (m.videoFiles.length > 1) problems.push(`${j.plan.tag}: one message carries ${m.videoFiles.length} videos`);
  }
  return problems;
}

/**
 * docs/commands.md (limits): a job that ended without a video before its task was accepted, or whose task failed,
 * gives its quota back; a video made (delivered or undeliverable) or cancelled after acceptance counts. A job
 * still running holds its reservation, so it counts too (its not finishing is another assertion's problem).
 */
export function countsTowardUsage(rec: Job | undefined): boolean {
  if (!rec) return false;
  if (rec.state === 'failed') return false;
  if (rec.state === 'cancelled') return rec.taskId !== null;
  return true;
}

export function usageProblems(o: Observation, guildScope: string): string[] {
  if (o.days[0] !== o.days[1]) return [`the run crossed UTC midnight (${o.days[0]} -> ${o.days[1]}): usage restarted, run it again`];
  const problems: string[] = [];
  for (const u of o.usage) {
    const mine = o.jobs.filter((j) => j.plan.userId === u.userId && (j.plan.dm ? 'dm' : guildScope) === u.scope);
    const counted = mine.filter((j) => countsTowardUsage(recordOf(j)));
    const want = { videos: counted.length, seconds: counted.reduce((n, j) => n + j.plan.duration, 0) };
    if (want.videos !== u.videos || want.seconds !== u.seconds) {
      const detail = mine.map((j) => `${j.plan.tag}=${recordOf(j)?.state ?? (j.acked ? 'no record' : 'unacked')}${countsTowardUsage(recordOf(j)) ? '+' : ''}`).join(' ');
      problems.push(`${u.scope === 'dm' ? 'dm' : 'guild'}/${u.userId}: stored ${u.videos} videos ${u.seconds} s, expected ${want.videos} videos ${want.seconds} s (${detail})`);
    }
  }
  return problems;
}

const redact = (line: string, secrets: Observation['secrets']) =>
  secrets.reduce((l, s) => l.split(s.value).join(`<${s.name}>`), line).slice(0, 400);

/** No bot ended but by our hand, and none logged a stray rejection. */
export function crashProblems(o: Observation): string[] {
  const problems: string[] = [];
  for (const b of o.bots) {
    const ours = b.killedByUs || (b.stoppedByUs && b.exitCode === 0);
    if (b.hungOnStop) problems.push(`bot #${b.index} did not stop within 20 s of SIGTERM: ${redact(b.output.slice(-600), o.secrets)}`);
    else if (!ours) problems.push(`bot #${b.index} ended by itself (code ${b.exitCode}, signal ${b.signal}): ${redact(b.output.slice(-600), o.secrets)}`);
    for (const line of b.output.split('\n')) {
      if (/unhandled promise rejection|uncaughtException|UnhandledPromiseRejection/i.test(line)) problems.push(`bot #${b.index}: ${redact(line, o.secrets)}`);
    }
  }
  return problems;
}

/** No log line holds the bot token, the API key or an interaction token; no webhook call carried the bot token. */
export function secretProblems(o: Observation): string[] {
  const problems: string[] = [];
  for (const b of o.bots) {
    for (const line of b.output.split('\n')) {
      const hit = o.secrets.filter((s) => line.includes(s.value));
      if (hit.length) problems.push(`bot #${b.index} logged ${hit.map((s) => s.name).join(' and ')}: ${redact(line, o.secrets)}`);
    }
  }
  if (o.webhookCallsWithBotToken > 0) problems.push(`${o.webhookCallsWithBotToken} webhook calls carried the bot token`);
  return problems;
}

/** Required fault kinds: a run that missed one of them proved nothing about that edge. */
export const REQUIRED_FAULTS = [
  'apimart.submit.429',
  'apimart.submit.5xx',
  'apimart.submit.malformed',
  'apimart.poll.429',
  'apimart.poll.5xx',
  'apimart.poll.malformed',
  'apimart.poll.timeout',
  'discord.429',
  'discord.5xx',
  'discord.413',
  'discord.50027',
  'gateway.drop',
  'store.drop',
  'store.stall',
  'store.hang',
  'store.outage',
] as const;

/** The run was the chaos it claims to be: enough jobs, kills, and every kind of fault at least once. */
export function coverageProblems(o: Observation, min: { jobs: number; kills: number }): string[] {
  const problems: string[] = [];
  if (o.jobs.length < min.jobs) problems.push(`only ${o.jobs.length} jobs`);
  if (o.killsAt.length < min.kills) problems.push(`only ${o.killsAt.length} kills`);
  for (const kind of REQUIRED_FAULTS) if (!(o.faults[kind]! > 0)) problems.push(`no ${kind} fault happened`);
  const submitNoAnswer = (o.faults['apimart.submit.lost'] ?? 0) + (o.faults['apimart.submit.timeout'] ?? 0);
  if (submitNoAnswer === 0) problems.push('no submit went unanswered (lost or timed out)');
  return problems;
}

const tally = <T extends string>(items: T[]) => items.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});

/** The counts for a note: one line each. */
export function summarize(o: Observation): string {
  const finals = o.jobs.flatMap((j) => j.messages.filter((m) => isFinalKind(m.kind)).map((m) => m.kind));
  const states = o.jobs.map((j) => recordOf(j)?.state ?? (j.acked ? 'no-record' : lostAtKill(j, o.killsAt) ? 'unacked-at-kill' : 'unacked'));
  const submits = o.jobs.flatMap((j) => j.submits);
  const withFile = o.jobs.flatMap((j) => j.messages.filter((m) => m.videoFiles.length > 0));
  const linkOnly = o.jobs.flatMap((j) => j.messages.filter((m) => m.kind === 'delivered' && m.videoFiles.length === 0));
  const stale = o.jobs.filter((j) => j.messages.some((m) => m.isReply && !isFinalKind(m.kind)) && j.messages.some((m) => isFinalKind(m.kind)));
  const usage = o.usage.reduce((n, u) => ({ videos: n.videos + u.videos, seconds: n.seconds + u.seconds }), { videos: 0, seconds: 0 });
  const fmt = (r: Record<string, number>) =>
    Object.entries(r)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  return [
    `chaos seed ${o.seed}: ${o.jobs.length} jobs in ${(o.durationMs / 1000).toFixed(1)} s, ${o.killsAt.length} kills (SIGKILL), ${o.bots.length} bot processes (start-up ${o.startupMs.map((ms) => (ms / 1000).toFixed(1)).join(' ')} s)`,
    `faults: ${fmt(o.faults)}`,
    `final messages: ${fmt(tally(finals))}; jobs acknowledged ${o.jobs.filter((j) => j.acked).length}, lost unanswered at a kill ${o.jobs.filter((j) => lostAtKill(j, o.killsAt)).length}, replies stranded by a kill right after the deferral or during a store outage ${o.jobs.filter((j) => strandedAtKill(j, o)).length}`,
    `job records: ${fmt(tally(states))}`,
    `failure reasons: ${fmt(tally(o.jobs.flatMap((j) => j.messages.filter((m) => m.kind === 'failed').map((m) => `"${m.excerpt.replace(/^.*?❌\s*(\*\*[^*]*\*\*)?\s*/, '').slice(0, 48)}"`))))}`,
    `submits: ${submits.length} requests, ${submits.filter((s) => s.processed).length} handled by the provider, ${o.jobs.reduce((n, j) => n + j.tasks.length, 0)} tasks`,
    `deliveries: ${withFile.length} messages with the file, ${linkOnly.length} as a link, ${o.jobs.reduce((n, j) => n + j.uploads, 0)} uploads; replies left showing a running state beside a final message elsewhere: ${stale.length}`,
    `usage stored: ${usage.videos} videos, ${usage.seconds} s over ${o.usage.length} member scopes`,
  ].join('\n');
}
