import { expect } from 'chai';
import { applyRetention, type RetentionCandidate } from '../../src/core/retention/policy.js';
import { isoWeek } from '../../src/core/retention/calendar.js';
import { parseCalendarDuration, subtractDuration } from '../../src/core/retention/duration.js';
import type { RetentionConfig } from '../../src/core/config/types.js';

function snapshotsAt(times: string[]): RetentionCandidate[] {
  return times.map((time, i) => ({ id: `s${String(i).padStart(6, '0')}`, time: new Date(time) }));
}

function every(startIso: string, stepMs: number, count: number): RetentionCandidate[] {
  const start = new Date(startIso).getTime();
  return Array.from({ length: count }, (_, i) => ({ id: `s${String(i).padStart(6, '0')}`, time: new Date(start + i * stepMs) }));
}

function kept(snapshots: RetentionCandidate[], policy: RetentionConfig): string[] {
  return applyRetention(snapshots, policy)
    .filter((d) => d.keep)
    .map((d) => d.snapshot.time.toISOString())
    .sort();
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('retention policy (restic forget semantics)', () => {
  it("reproduces restic's documented example: 12 Sundays, keep_daily 4 keeps the last four", () => {
    const sundays = snapshotsAt(['2019-09-01', '2019-09-08', '2019-09-15', '2019-09-22', '2019-09-29', '2019-10-06', '2019-10-13', '2019-10-20', '2019-10-27', '2019-11-03', '2019-11-10', '2019-11-17'].map((d) => `${d}T11:00:00Z`));
    expect(kept(sundays, { keep_daily: 4 })).to.deep.equal(['2019-10-27T11:00:00.000Z', '2019-11-03T11:00:00.000Z', '2019-11-10T11:00:00.000Z', '2019-11-17T11:00:00.000Z']);
  });

  it("reproduces restic's documented example: 100 years of dailies with keep_daily 7, weekly 5, monthly 12, yearly 75", () => {
    // Ends on Sunday 2025-12-28, as in restic's description: the 7 dailies are exactly one week.
    const days = every('1925-12-29T03:00:00Z', DAY, 36525);
    expect(days[days.length - 1].time.toISOString()).to.equal('2025-12-28T03:00:00.000Z');
    const keptOnes = applyRetention(days, { keep_daily: 7, keep_weekly: 5, keep_monthly: 12, keep_yearly: 75 }).filter((d) => d.keep);
    const firstRule = (d: { reasons: string[] }) => d.reasons.find((r) => ['daily', 'weekly', 'monthly', 'yearly'].includes(r));
    const count = (rule: string) => keptOnes.filter((d) => firstRule(d) === rule).length;
    // By hand: 7 dailies (22..28 Dec); "4 last-day-of-the-week ones" (21, 14, 7 Dec, 30 Nov);
    // restic's "12 or 11" monthly: here 10, since 28 Dec is a daily and 30 Nov, a Sunday, is
    // already a weekly; "75 or 74" yearly: 74 (31 Dec 2024 back to 31 Dec 1951), 2025 being kept.
    expect(count('daily')).to.equal(7);
    expect(count('weekly')).to.equal(4);
    expect(count('monthly')).to.equal(10);
    expect(count('yearly')).to.equal(74);
    expect(keptOnes).to.have.length(95);
    expect(keptOnes.map((d) => d.snapshot.time.toISOString().slice(0, 10))).to.include.members(['2025-11-30', '2025-10-31', '2025-01-31', '2024-12-31', '1951-12-31']);
  });

  it('keep_last keeps the N newest, whatever their times', () => {
    const snapshots = every('2026-01-01T00:00:00Z', 60_000, 10);
    expect(kept(snapshots, { keep_last: 3 })).to.deep.equal(['2026-01-01T00:07:00.000Z', '2026-01-01T00:08:00.000Z', '2026-01-01T00:09:00.000Z']);
  });

  it('keeps the newest snapshot of each period, and a snapshot kept by several rules counts once', () => {
    // Three snapshots a day for 10 days: 08:00, 14:00, 20:00 UTC.
    const snapshots = every('2026-03-01T08:00:00Z', DAY, 10).flatMap((s) => [0, 6, 12].map((h) => ({ id: `${s.id}-${h}`, time: new Date(s.time.getTime() + h * HOUR) })));
    const result = kept(snapshots, { keep_last: 2, keep_daily: 3 });
    expect(result).to.deep.equal(['2026-03-08T20:00:00.000Z', '2026-03-09T20:00:00.000Z', '2026-03-10T14:00:00.000Z', '2026-03-10T20:00:00.000Z']);
  });

  it('counts days in the configured time zone, not UTC', () => {
    // 23:30 UTC on 1 March is 00:30 on 2 March in Paris.
    const snapshots = snapshotsAt(['2026-03-01T22:30:00Z', '2026-03-01T23:30:00Z', '2026-03-02T12:00:00Z']);
    expect(kept(snapshots, { keep_daily: 2, timezone: 'UTC' })).to.deep.equal(['2026-03-01T23:30:00.000Z', '2026-03-02T12:00:00.000Z']);
    expect(kept(snapshots, { keep_daily: 2, timezone: 'Europe/Paris' })).to.deep.equal(['2026-03-01T22:30:00.000Z', '2026-03-02T12:00:00.000Z']);
  });

  it('handles the DST change: hourly buckets across the fall-back hour in Europe/Paris', () => {
    // 2026-10-25: 03:00 CEST becomes 02:00 CET, so the local hour 02 happens twice.
    const snapshots = every('2026-10-24T22:00:00Z', HOUR, 6); // 00:00..04:00 local, with 02 twice
    const result = applyRetention(snapshots, { keep_hourly: 10, timezone: 'Europe/Paris' }).filter((d) => d.keep);
    // 6 instants, 5 distinct local hours (00, 01, 02, 02, 03): the two 02:xx share a bucket.
    expect(result).to.have.length(5);
    expect(result.map((d) => d.snapshot.time.toISOString())).to.not.include('2026-10-25T00:00:00.000Z');
  });

  it('handles the spring-forward gap: hourly counts only the hours that exist', () => {
    const snapshots = every('2026-03-28T23:00:00Z', HOUR, 4); // local 00:00, 01:00, 03:00, 04:00 in Paris
    expect(kept(snapshots, { keep_hourly: 4, timezone: 'Europe/Paris' })).to.have.length(4);
  });

  it('counts weeks as ISO weeks (Monday to Sunday), across a year boundary', () => {
    expect(isoWeek(2026, 12, 31)).to.deep.equal({ year: 2026, week: 53 });
    expect(isoWeek(2027, 1, 3)).to.deep.equal({ year: 2026, week: 53 });
    expect(isoWeek(2027, 1, 4)).to.deep.equal({ year: 2027, week: 1 });
    expect(isoWeek(2024, 12, 30)).to.deep.equal({ year: 2025, week: 1 });
    const snapshots = every('2026-12-26T12:00:00Z', DAY, 12); // Sat 26 Dec .. Wed 6 Jan
    // weeks: W52 (Sat, Sun), W53 (Mon 28 .. Sun 3), W1 (Mon 4 .. Wed 6)
    expect(kept(snapshots, { keep_weekly: 3 })).to.deep.equal(['2026-12-27T12:00:00.000Z', '2027-01-03T12:00:00.000Z', '2027-01-06T12:00:00.000Z']);
  });

  it('handles leap days: monthly keeps 29 February as the end of February 2028', () => {
    const snapshots = every('2028-02-27T12:00:00Z', DAY, 4); // 27, 28, 29 Feb, 1 Mar
    expect(kept(snapshots, { keep_monthly: 2 })).to.deep.equal(['2028-02-29T12:00:00.000Z', '2028-03-01T12:00:00.000Z']);
  });

  it('keep_within keeps everything within the duration of the newest snapshot, by the calendar', () => {
    const snapshots = every('2028-01-01T00:00:00Z', DAY, 70); // to 10 March 2028
    const result = kept(snapshots, { keep_within: '1m' });
    expect(result[0]).to.equal('2028-02-10T00:00:00.000Z');
    expect(result).to.have.length(30);
    expect(subtractDuration(new Date('2028-03-31T00:00:00Z'), parseCalendarDuration('1m')).toISOString()).to.equal('2028-03-02T00:00:00.000Z');
    expect(subtractDuration(new Date('2028-02-29T12:00:00Z'), parseCalendarDuration('1y')).toISOString()).to.equal('2027-03-01T12:00:00.000Z');
  });

  it('years of hourly snapshots: exact counts for a GFS policy, hand-computed', () => {
    // Hourly from 2024-01-01T00:00Z to 2026-12-31T23:00Z (2024 is a leap year): 26304 snapshots.
    const snapshots = every('2024-01-01T00:00:00Z', HOUR, (366 + 365 + 365) * 24);
    const decisions = applyRetention(snapshots, { keep_hourly: 24, keep_daily: 7, keep_weekly: 4, keep_monthly: 12, keep_yearly: 3 });
    const result = decisions.filter((d) => d.keep).map((d) => d.snapshot.time.toISOString());
    // 24 hourly: 2026-12-31 00:00..23:00. 7 daily: 31 Dec (already) + 25..30 Dec at 23:00 (6 more).
    // 4 weekly: Thu 31 Dec is in W53; the others are Sundays 27, 20, 13 Dec 23:00 (27 is already daily): +2.
    // 12 monthly: Dec (kept) + the last hour of Jan..Nov 2026: +11. 3 yearly: 2026 (kept), 2025, 2024: +2.
    expect(result).to.have.length(24 + 6 + 2 + 11 + 2);
    expect(result).to.include('2025-12-31T23:00:00.000Z');
    expect(result).to.include('2024-12-31T23:00:00.000Z');
    expect(result).to.include('2026-02-28T23:00:00.000Z');
    expect(result).to.include('2026-12-13T23:00:00.000Z');
    expect(result).to.not.include('2026-12-06T23:00:00.000Z');
  });

  it('always keeps the newest snapshot, and the oldest when a period rule is not filled', () => {
    const snapshots = every('2026-01-01T00:00:00Z', DAY, 3);
    const decisions = applyRetention(snapshots, { keep_weekly: 10 });
    expect(decisions.filter((d) => d.keep).map((d) => d.reasons.join(','))).to.deep.equal(['newest,weekly', 'oldest weekly']);
    expect(applyRetention(snapshots, { keep_last: 0 }).filter((d) => d.keep)).to.have.length(1);
  });

  it('rejects a malformed duration with a hint', () => {
    expect(() => parseCalendarDuration('3 days')).to.throw(/invalid duration "3 days"/);
  });
});
