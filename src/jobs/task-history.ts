import type { GenerationRequest } from '../apimart/request';

/**
 * How long finished tasks of one kind (model, duration, resolution) took, so that a new task's first poll can
 * be aimed at the end the history expects instead of being an early poll a few seconds after the submit
 * (docs/architecture.md, "Polling"). In memory, per process: it fills again within minutes after a restart.
 */
export const HISTORY = {
  /** Finished tasks of a kind seen before its first polls are aimed. */
  minSamples: 8,
  /** The most recent this many are kept per kind. */
  keep: 32,
  /**
   * The bound on catching a fast failure (a moderation refusal shows within seconds at the provider): an aimed
   * first poll is never later than this after the submit, so such a failure is told at most 30 s late.
   */
  maxFirstPollMs: 30_000,
  /** The first poll is aimed at this share of the shortest recent duration. */
  aimShare: 0.75,
} as const;

/** The kind a task's duration depends on: model, duration and resolution. */
export function taskKind(request: Pick<GenerationRequest, 'model' | 'duration' | 'resolution'>): string {
  return `${request.model}/${request.duration}/${request.resolution}`;
}

interface Kind {
  durations: number[];
  next: number;
  /** The first-poll delay the samples give (ms), recomputed on each record. */
  aim: number;
}

export class TaskHistory {
  private readonly kinds = new Map<string, Kind>();

  /** A task of `kind` completed `durationMs` after its submit. */
  record(kind: string, durationMs: number): void {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { durations: [], next: 0, aim: Infinity }));
    if (k.durations.length < HISTORY.keep) k.durations.push(durationMs);
    else k.durations[k.next] = durationMs;
    k.next = (k.next + 1) % HISTORY.keep;
    // Before the shortest recent task's end: the first poll then finds almost every task still running, learns
    // its estimate and leaves the end to an aimed landing poll; aimed at the shortest end itself, a rush's first
    // polls queue at the gate past the ends of the short tasks and add that wait to their lag (bench/budget.ts).
    k.aim = Math.min(...k.durations) * HISTORY.aimShare;
  }

  /** The first poll's delay after the submit for a new task of `kind`, or undefined while history is too thin. */
  firstPollMs(kind: string): number | undefined {
    const k = this.kinds.get(kind);
    if (!k || k.durations.length < HISTORY.minSamples) return undefined;
    return Math.min(HISTORY.maxFirstPollMs, k.aim);
  }
}
