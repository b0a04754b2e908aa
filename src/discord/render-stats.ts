import { CSV_DAYS, type GuildStats, type PeriodStats } from '../jobs/stats';
import { clip } from '../util/clip';
import { en, type Messages } from './messages';
import type { MessagePayload } from './render';

/** /video-stats's answer: the layout here, the words in the catalogue. Pure. */

/** The server's video-seconds budget left (/video-limits budget); null: no budget for that period. */
export interface BudgetLeft {
  daily: number | null;
  monthly: number | null;
}

const CONTENT_MAX = 2000;

function period(label: string, p: PeriodStats, m: Messages): string[] {
  return [m.stats.period({ label, videos: p.videos, seconds: p.seconds }), ...p.top.map((t, i) => `${m.stats.topLine({ rank: i + 1, ...t })}`)];
}

/** The totals and top members of today and this month, the budget left when there is one, and what the CSV holds. */
export function renderStats(stats: GuildStats, budget: BudgetLeft | undefined, m: Messages = en): MessagePayload {
  const lines = [`**${m.stats.title}**`, ...period(m.stats.today, stats.today, m), ...period(m.stats.month, stats.month, m)];
  if (budget && (budget.daily !== null || budget.monthly !== null)) lines.push(m.stats.budget(budget));
  lines.push(`-# ${m.stats.csv({ rows: stats.rows.length, days: CSV_DAYS })}`);
  return { text: clip(lines.join('\n'), CONTENT_MAX), rows: [] };
}
