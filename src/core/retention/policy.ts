import type { RetentionConfig } from '../config/types.js';
import { calendarParts, isoWeek, type CalendarParts } from './calendar.js';
import { parseCalendarDuration, subtractDuration } from './duration.js';

export interface RetentionCandidate {
  id: string;
  time: Date;
}

export interface RetentionDecision<T extends RetentionCandidate> {
  snapshot: T;
  keep: boolean;
  /** Every rule that keeps it: 'last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'within', 'newest'. */
  reasons: string[];
}

type BucketRule = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const BUCKETS: Record<BucketRule, (p: CalendarParts) => string> = {
  hourly: (p) => `${p.year}-${p.month}-${p.day}T${p.hour}`,
  daily: (p) => `${p.year}-${p.month}-${p.day}`,
  weekly: (p) => {
    const w = isoWeek(p.year, p.month, p.day);
    return `${w.year}-W${w.week}`;
  },
  monthly: (p) => `${p.year}-${p.month}`,
  yearly: (p) => `${p.year}`,
};

export function hasRules(policy: RetentionConfig): boolean {
  return ['keep_last', 'keep_hourly', 'keep_daily', 'keep_weekly', 'keep_monthly', 'keep_yearly', 'keep_within'].some((key) => policy[key as keyof RetentionConfig] !== undefined);
}

/**
 * Decides which snapshots of one unit to keep, with restic's `forget` semantics: walking from
 * the newest, `keep_last` keeps the N newest; each `keep_<period>` keeps the newest snapshot
 * of each of the N most recent periods (in `timezone`) that have one; `keep_within` keeps
 * everything within that duration of the newest snapshot. A snapshot kept by any rule is
 * kept. The newest snapshot is always kept, so pruning never empties a unit.
 */
export function applyRetention<T extends RetentionCandidate>(snapshots: T[], policy: RetentionConfig): RetentionDecision<T>[] {
  const timeZone = policy.timezone ?? 'UTC';
  const newestFirst = [...snapshots].sort((a, b) => b.time.getTime() - a.time.getTime() || b.id.localeCompare(a.id));
  const remaining: Record<string, number> = {
    last: policy.keep_last ?? 0,
    hourly: policy.keep_hourly ?? 0,
    daily: policy.keep_daily ?? 0,
    weekly: policy.keep_weekly ?? 0,
    monthly: policy.keep_monthly ?? 0,
    yearly: policy.keep_yearly ?? 0,
  };
  const lastBucket: Partial<Record<BucketRule, string>> = {};
  const withinLimit = policy.keep_within && newestFirst.length > 0 ? subtractDuration(newestFirst[0].time, parseCalendarDuration(policy.keep_within)) : undefined;
  const decisions = newestFirst.map((snapshot, index) => {
    const reasons: string[] = [];
    if (index === 0) reasons.push('newest');
    if (remaining.last > 0) {
      remaining.last--;
      reasons.push('last');
    }
    const parts = calendarParts(snapshot.time, timeZone);
    for (const rule of Object.keys(BUCKETS) as BucketRule[]) {
      if (remaining[rule] <= 0) continue;
      const bucket = BUCKETS[rule](parts);
      if (bucket !== lastBucket[rule]) {
        lastBucket[rule] = bucket;
        remaining[rule]--;
        reasons.push(rule);
      }
    }
    if (withinLimit && snapshot.time.getTime() >= withinLimit.getTime()) reasons.push('within');
    return { snapshot, keep: reasons.length > 0, reasons };
  });
  // As restic does: a period rule that found fewer periods than it may keep also keeps the
  // oldest snapshot, so a young history is not thinned below what the policy promises.
  const short = (Object.keys(BUCKETS) as BucketRule[]).filter((rule) => remaining[rule] > 0 && (policy[`keep_${rule}`] ?? 0) > 0);
  const oldest = decisions[decisions.length - 1];
  if (oldest && short.length > 0) {
    oldest.reasons.push(...short.map((rule) => `oldest ${rule}`));
    oldest.keep = true;
  }
  return decisions;
}
