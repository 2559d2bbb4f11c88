import { execFileSync, spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { cronToOnCalendar, crontabLines, systemdUnits } from '../../src/core/schedule/systemd.js';
import { nextRuns } from '../../src/core/schedule/cron.js';

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

/** systemd's own parser normalizes an OnCalendar expression, or fails on a bad one. */
function normalizedBySystemd(expression: string): string {
  return execFileSync('systemd-analyze', ['calendar', expression], { encoding: 'utf8' }).match(/Normalized form: (.*)/)?.[1] ?? '';
}

describe('schedules', () => {
  it('computes next runs of a cron expression in its time zone', () => {
    const runs = nextRuns('nightly', { cron: '0 2 * * *', timezone: 'Europe/Paris' }, 3, new Date('2026-03-28T12:00:00Z'));
    // Paris switches to summer time on 29 March 2026: 02:00 local is 01:00Z before, and 02:00
    // does not exist on the 29th (croner moves it to 03:00 local = 01:00Z), then 00:00Z after.
    expect(runs.map((d) => d.toISOString())).to.deep.equal(['2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
  });

  it('rejects a bad cron expression or time zone with the job named', () => {
    expect(() => nextRuns('j', { cron: 'every night' }, 1)).to.throw(/jobs\.j\.schedule\.cron: invalid cron expression "every night"/);
    expect(() => nextRuns('j', { cron: '0 2 * * *', timezone: 'Mars/Olympus' }, 1)).to.throw(/unknown time zone "Mars\/Olympus"/);
  });

  const cases: [string, string][] = [
    ['0 2 * * *', '*-*-* 02:00:00 UTC'],
    ['*/15 * * * *', '*-*-* *:00/15:00 UTC'],
    ['30 1 * * 1-5', 'Mon..Fri *-*-* 01:30:00 UTC'],
    ['0 3 1 * *', '*-*-01 03:00:00 UTC'],
    ['0 4 * * SUN', 'Sun *-*-* 04:00:00 UTC'],
    ['0 0,12 * JAN,JUL *', '*-01,07-* 00,12:00:00 UTC'],
  ];
  for (const [cron, expected] of cases) {
    it(`translates cron "${cron}" to OnCalendar "${expected}"${hasSystemdAnalyze ? ', which systemd accepts' : ''}`, () => {
      const onCalendar = cronToOnCalendar(cron, 'UTC');
      expect(onCalendar).to.equal(expected);
      if (hasSystemdAnalyze) expect(normalizedBySystemd(onCalendar)).to.not.equal('');
    });
  }

  it('refuses what systemd cannot express: day-of-month with day-of-week, seconds', () => {
    expect(() => cronToOnCalendar('0 2 1 * 1')).to.throw(/cron ORs and systemd ANDs/);
    expect(() => cronToOnCalendar('* * * * * *')).to.throw(/5-field/);
  });

  it('writes a oneshot service and a persistent timer', () => {
    const units = systemdUnits({ job: 'nightly', onCalendar: '*-*-* 02:00:00 Europe/Paris', command: ['/usr/bin/node', '/opt/vya/bin/run.js', 'backup', 'nightly', '--scheduled', '--config', '/etc/vya/vya.yml'] });
    expect(units.service.name).to.equal('vya-backup-nightly.service');
    expect(units.service.text).to.match(/^Type=oneshot$/m);
    expect(units.service.text).to.match(/^ExecStart=\/usr\/bin\/node \/opt\/vya\/bin\/run\.js backup nightly --scheduled --config \/etc\/vya\/vya\.yml$/m);
    expect(units.timer.text).to.match(/^OnCalendar=\*-\*-\* 02:00:00 Europe\/Paris$/m);
    expect(units.timer.text).to.match(/^Persistent=true$/m);
    // vya applies the jitter itself (--scheduled), the same under systemd, cron and the daemon.
    expect(units.timer.text).to.not.match(/RandomizedDelaySec/);
    expect(units.timer.text).to.match(/^WantedBy=timers\.target$/m);
  });

  it('writes crontab lines with the time zone and a quoted command', () => {
    expect(crontabLines({ job: 'n', cron: '0 2 * * *', timezone: 'Europe/Paris', command: ['/usr/bin/node', '/opt/my vya/run.js', 'backup', 'n'] })).to.equal(
      "# vya backup job n\nCRON_TZ=Europe/Paris\n0 2 * * * /usr/bin/node '/opt/my vya/run.js' backup n\n",
    );
  });
});
