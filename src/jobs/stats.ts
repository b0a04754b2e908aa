import { isFinal, keepsQuota, type Job } from './record';

/**
 * /video-stats from a server's jobs (docs/commands.md): today and this calendar month (UTC), the top members,
 * and the rows of the last 30 days' CSV. Pure: the clock is given.
 *
 * A job counts as a video when it uses quota: running (its quota reserved), made (delivered or not), or
 * cancelled after the provider accepted it (still made and billed, record.ts keepsQuota). One that failed,
 * was refused or cancelled before the provider had it counts nothing, as in the members' limits.
 */

const DAY_MS = 24 * 3600 * 1000;
const STATS_TOP_MAX = 5;
export const CSV_DAYS = 30;

export interface MemberTotal {
  userId: string;
  videos: number;
  seconds: number;
}

export interface PeriodStats {
  videos: number;
  seconds: number;
  /** By seconds, then videos, most first; at most STATS_TOP_MAX. */
  top: MemberTotal[];
}

export interface StatsRow {
  createdAt: number;
  userId: string;
  model: string;
  duration: number;
  resolution: string;
  variations: number;
  state: Job['state'];
}

export interface GuildStats {
  today: PeriodStats;
  month: PeriodStats;
  /** Every job of the last CSV_DAYS days, newest first. */
  rows: StatsRow[];
}

const startOfUtcDay = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
};
const startOfUtcMonth = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

/** The earliest moment /video-stats needs: the month's start or the CSV's first day, whichever is earlier. */
export function statsWindowStart(now: number): number {
  return Math.min(startOfUtcMonth(now), now - CSV_DAYS * DAY_MS);
}

/** Videos in one job: 1 until the record carries `variations` (docs/commands.md, /video). */
export const variationsOf = (_job: Job): number => 1;

const usesQuota = (job: Job) => !isFinal(job.state) || keepsQuota(job);

function period(jobs: readonly Job[]): PeriodStats {
  const byMember = new Map<string, MemberTotal>();
  let videos = 0;
  let seconds = 0;
  for (const job of jobs) {
    if (!usesQuota(job)) continue;
    const n = variationsOf(job);
    const s = n * job.request.duration;
    videos += n;
    seconds += s;
    const m = byMember.get(job.userId) ?? { userId: job.userId, videos: 0, seconds: 0 };
    m.videos += n;
    m.seconds += s;
    byMember.set(job.userId, m);
  }
  const top = [...byMember.values()].sort((a, b) => b.seconds - a.seconds || b.videos - a.videos || a.userId.localeCompare(b.userId)).slice(0, STATS_TOP_MAX);
  return { videos, seconds, top };
}

export function guildStats(jobs: readonly Job[], now: number): GuildStats {
  const inRange = (from: number) => jobs.filter((j) => j.createdAt >= from && j.createdAt <= now);
  const rows = inRange(now - CSV_DAYS * DAY_MS)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((j) => ({ createdAt: j.createdAt, userId: j.userId, model: j.request.model, duration: j.request.duration, resolution: j.request.resolution, variations: variationsOf(j), state: j.state }));
  return { today: period(inRange(startOfUtcDay(now))), month: period(inRange(startOfUtcMonth(now))), rows };
}

/** The CSV's columns, in order: a data format, not words, so the same in every language. */
const CSV_HEADER = ['created_at', 'member_id', 'model', 'duration', 'resolution', 'variations', 'state'] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces, quotes doubled.
 * One that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`, so opening
 * the file never runs it (OWASP "CSV injection"); the columns of this CSV never start so, but the rule costs nothing.
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV of the rows, header first, CRLF line ends (RFC 4180). */
export function statsCsv(rows: readonly StatsRow[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows) lines.push([new Date(r.createdAt).toISOString(), r.userId, r.model, r.duration, r.resolution, r.variations, r.state].map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
