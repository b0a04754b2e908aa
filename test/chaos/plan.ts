import { mulberry32 } from '../support/random';
/**
 * The chaos suite's plan: everything random in a run is drawn here from one seed, so a seed names a run.
 *
 * Two kinds of randomness: the schedule (when jobs are sent, kills, gateway drops, store faults), drawn once
 * from a seeded stream; and the fault each request meets, drawn from a hash of (seed, request identity, how
 * many such requests came before). The second does not depend on arrival order, so a job meets the same
 * faults whatever the machine's load does to the interleaving of jobs. Pure: no I/O, no clock.
 */

/** FNV-1a, to turn a request's identity into a seed. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A value in [0, 1) fixed by the seed and the key alone. */
export function draw(seed: number, key: string): number {
  return mulberry32(hash32(`${seed}:${key}`))();
}

const between = (r: () => number, min: number, max: number) => min + r() * (max - min);
const intBetween = (r: () => number, min: number, max: number) => Math.floor(between(r, min, max + 1));

export const CHAOS = {
  jobs: 64,
  /** Jobs are sent over this long, from the start of the chaos phase. */
  sendWindowMs: 44_000,
  /**
   * Faults go on this long after the last restart: the last process must cope on its own, with no restart
   * left to resume what it dropped.
   */
  tailMs: 10_000,
  /** A fault that came due while the bot was down waits for the next start and this long after it. */
  afterStartMs: 800,
  kills: 6,
  /** A bot lives this long after it reports started, then is killed. */
  uptimeMs: [2_500, 6_500],
  /** And stays dead this long before the next one starts. */
  downMs: [200, 1_500],
  gatewayDrops: 5,
  /** Store faults: one every this often, while a bot is up. */
  storeFaultEveryMs: [1_500, 3_500],
  members: 6,
  dmShare: 0.15,
  /** The provider fails the task (moderation): the quota comes back. */
  providerFailShare: 0.08,
  /** Jobs whose interaction token is killed early, so later edits answer 401/50027. */
  expireTokenShare: 0.15,
  /** Jobs whose interaction allows only 16 KiB uploads, so a larger video goes as a link. */
  smallUploadShare: 0.1,
  cancelShare: 0.1,
  /**
   * Real client timeouts (the APIMart client gives up after 20 s) cost 20 s each, so they are planned, not
   * drawn: one job's submit, and the second poll of the first `pollHangs` of a few candidate jobs that get
   * that far, are answered after `hangMs`.
   */
  pollHangs: 2,
  pollHangCandidates: 6,
  hangMs: 21_000,
} as const;

export type Timeline = { at: number; status: string; progress?: number; error?: { code: number; message: string; type: string } }[];

export interface JobPlan {
  index: number;
  /** In the prompt, so every message and request of the job can be told apart; plain letters and digits survive escaping. */
  tag: string;
  prompt: string;
  /** ms after the chaos phase starts. */
  sendAt: number;
  userId: string;
  dm: boolean;
  duration: number;
  timeline: Timeline;
  estimatedTime: number;
  videoBytes: number;
  attachmentSizeLimit?: number;
  /** ms after sending, the token dies. */
  expireTokenAfterMs?: number;
  /** ms after its Cancel button first shows, the member presses it. */
  cancelAfterMs?: number;
  /** This job's `hang.attempt`-th submit or poll is answered after the client gave up (polls: while hangs are left). */
  hang?: { op: 'submit' | 'poll'; attempt: number };
}

export interface Kill {
  uptimeMs: number;
  downMs: number;
}

export interface GatewayDrop {
  at: number;
  /** 4000: discord.js resumes; 1000: the session ends and it identifies again. */
  code: 4000 | 1000;
}

export interface StoreFault {
  /** drop: reset every connection; stall: hold every byte; hang: hold, then reset; outage: reset and refuse. */
  kind: 'drop' | 'stall' | 'hang' | 'outage';
  /** ms after the previous store fault. */
  after: number;
  ms: number;
}

export interface Plan {
  seed: number;
  jobs: JobPlan[];
  kills: Kill[];
  gatewayDrops: GatewayDrop[];
  storeFaults: StoreFault[];
  members: string[];
}

export const memberId = (i: number) => `7000000000000000${String(i + 10).padStart(2, '0')}`;
export const tagOf = (index: number) => `jobtag${String(index).padStart(3, '0')}`;
/** The job tag in a prompt, a message text or a request body. */
export const findTag = (text: string): string | undefined => /jobtag\d{3}/.exec(text)?.[0];

export function makePlan(seed: number): Plan {
  const r = mulberry32(seed);
  const members = Array.from({ length: CHAOS.members }, (_, i) => memberId(i));
  const jobs: JobPlan[] = [];
  for (let index = 0; index < CHAOS.jobs; index++) {
    const tag = tagOf(index);
    const completeAt = Math.round(between(r, 1_500, 4_000));
    const fails = r() < CHAOS.providerFailShare;
    const timeline: Timeline = fails
      ? [
          { at: 0, status: 'pending', progress: 0 },
          { at: Math.round(completeAt / 2), status: 'failed', error: { code: 400, message: 'Content moderation: the image was refused', type: 'moderation' } },
        ]
      : [
          { at: 0, status: 'pending', progress: 0 },
          { at: Math.round(between(r, 200, 600)), status: 'processing', progress: intBetween(r, 10, 40) },
          { at: Math.round(completeAt * 0.7), status: 'processing', progress: intBetween(r, 60, 90) },
          { at: completeAt, status: 'completed', progress: 100 },
        ];
    const job: JobPlan = {
      index,
      tag,
      prompt: `${tag} the bear waves at the camera, slow dolly in`,
      sendAt: Math.round((index / CHAOS.jobs) * CHAOS.sendWindowMs + between(r, 0, CHAOS.sendWindowMs / CHAOS.jobs)),
      userId: members[intBetween(r, 0, members.length - 1)]!,
      dm: r() < CHAOS.dmShare,
      duration: intBetween(r, 3, 5),
      timeline,
      estimatedTime: Math.ceil(completeAt / 1000),
      videoBytes: intBetween(r, 8, 48) * 1024,
    };
    if (r() < CHAOS.smallUploadShare) job.attachmentSizeLimit = 16 * 1024;
    if (r() < CHAOS.expireTokenShare) job.expireTokenAfterMs = Math.round(between(r, 800, 6_000));
    if (r() < CHAOS.cancelShare) job.cancelAfterMs = Math.round(between(r, 200, 2_500));
    jobs.push(job);
  }
  const kills = Array.from({ length: CHAOS.kills }, () => ({
    uptimeMs: Math.round(between(r, ...CHAOS.uptimeMs)),
    downMs: Math.round(between(r, ...CHAOS.downMs)),
  }));
  const gatewayDrops = Array.from({ length: CHAOS.gatewayDrops }, (_, i) => ({
    at: Math.round(((i + 0.5) / CHAOS.gatewayDrops) * CHAOS.sendWindowMs + between(r, -2_000, 2_000)),
    code: (r() < 0.75 ? 4000 : 1000) as 4000 | 1000,
  }));
  // Early jobs, so that the 20 s they lose are over long before the run ends. Polls hang on the first attempt:
  // with polls aimed at the task's end, many jobs are polled only once or twice.
  const early = jobs.slice(2, Math.floor(jobs.length / 3));
  const pick = () => early.splice(intBetween(r, 0, early.length - 1), 1)[0]!;
  pick().hang = { op: 'submit', attempt: 0 };
  for (let i = 0; i < CHAOS.pollHangCandidates; i++) pick().hang = { op: 'poll', attempt: 0 };
  // Enough store faults to cover the longest run of the chaos phase; the run stops using them when it ends.
  // The first four are one of each kind, so every run meets them all.
  const storeFaults: StoreFault[] = [];
  const firstKinds = (['drop', 'stall', 'hang', 'outage'] as const).map((k) => ({ k, u: r() })).sort((a, b) => a.u - b.u);
  for (let i = 0; i < 60; i++) {
    const u = r();
    const kind = i < firstKinds.length ? firstKinds[i]!.k : u < 0.25 ? 'drop' : u < 0.55 ? 'stall' : u < 0.85 ? 'hang' : 'outage';
    const ms = kind === 'drop' ? 0 : kind === 'outage' ? Math.round(between(r, 1_000, 3_000)) : Math.round(between(r, 500, 2_500));
    storeFaults.push({ kind, after: Math.round(between(r, ...CHAOS.storeFaultEveryMs)), ms });
  }
  return { seed, jobs, kills, gatewayDrops, storeFaults, members };
}

// ---- per-request faults ------------------------------------------------------------------------------------

export type ApimartFault =
  | { kind: '429'; retryAfterSec: number }
  | { kind: '5xx'; status: 500 | 502 | 503 }
  /** Handled by the provider (a submit creates its task), then the connection is reset: no answer. */
  | { kind: 'lost'; afterMs: number }
  /** Handled, answered after `ms`, longer than the client waits (planned: JobPlan.hang). */
  | { kind: 'timeout'; ms: number }
  /** Answered late, within the client's patience. */
  | { kind: 'slow'; ms: number }
  /** A 200 whose body is not JSON (at submit: after creating the task). */
  | { kind: 'malformed' };

/**
 * The fault the `attempt`-th submit or poll of a job meets (attempts count from 0, per job and operation).
 * `pollHangsLeft`: whether a planned poll timeout may still be spent.
 */
export function apimartFault(seed: number, op: 'submit' | 'poll', job: Pick<JobPlan, 'tag' | 'hang'>, attempt: number, pollHangsLeft: boolean): ApimartFault | undefined {
  if (job.hang?.op === op && job.hang.attempt === attempt && (op === 'submit' || pollHangsLeft)) return { kind: 'timeout', ms: CHAOS.hangMs };
  const tag = job.tag;
  const u = draw(seed, `apimart:${op}:${tag}:${attempt}`);
  const v = draw(seed, `apimart:${op}:${tag}:${attempt}:detail`);
  if (op === 'submit') {
    if (u < 0.1) return { kind: '429', retryAfterSec: 1 };
    if (u < 0.16) return { kind: '5xx', status: ([500, 502, 503] as const)[Math.floor(v * 3)]! };
    if (u < 0.2) return { kind: 'lost', afterMs: Math.round(300 + v * 1_200) };
    if (u < 0.23) return { kind: 'malformed' };
    if (u < 0.29) return { kind: 'slow', ms: Math.round(1_000 + v * 1_500) };
    return undefined;
  }
  if (u < 0.07) return { kind: '429', retryAfterSec: 1 };
  if (u < 0.14) return { kind: '5xx', status: ([500, 502, 503] as const)[Math.floor(v * 3)]! };
  if (u < 0.18) return { kind: 'malformed' };
  if (u < 0.21) return { kind: 'lost', afterMs: Math.round(200 + v * 800) };
  return undefined;
}

export type DiscordRoute = 'webhook-edit' | 'webhook-post' | 'channel-edit' | 'channel-post';

/** The message writes faults are injected on; everything else (deferrals, login, commands) is left alone. */
export function discordRoute(method: string, path: string): DiscordRoute | undefined {
  if (method === 'PATCH' && /^\/webhooks\/\d+\/[^/]+\/messages\/[^/]+$/.test(path)) return 'webhook-edit';
  if (method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(path)) return 'webhook-post';
  if (method === 'PATCH' && /^\/channels\/\d+\/messages\/\d+$/.test(path)) return 'channel-edit';
  if (method === 'POST' && /^\/channels\/\d+\/messages$/.test(path)) return 'channel-post';
  return undefined;
}

export type DiscordFault = { kind: '429'; retryAfterSec: number } | { kind: '5xx'; status: 500 | 502 | 503 } | { kind: '413' };

/** The fault the `attempt`-th write of this route for this job meets; 413 only where a file is uploaded. */
export function discordFault(seed: number, route: DiscordRoute, tag: string, attempt: number, uploading: boolean): DiscordFault | undefined {
  const u = draw(seed, `discord:${route}:${tag}:${attempt}`);
  const v = draw(seed, `discord:${route}:${tag}:${attempt}:detail`);
  if (u < 0.06) return { kind: '429', retryAfterSec: Math.round((0.2 + v * 0.8) * 100) / 100 };
  if (u < 0.13) return { kind: '5xx', status: ([500, 502, 503] as const)[Math.floor(v * 3)]! };
  if (uploading && u < 0.35) return { kind: '413' };
  return undefined;
}
