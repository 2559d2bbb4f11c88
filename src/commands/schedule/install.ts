import { Flags } from '@oclif/core';
import { VyaCommand } from '../../base-command.js';
import { installSchedule, type InstalledSchedule } from '../../core/schedule/install.js';

export default class ScheduleInstall extends VyaCommand {
  static override summary = 'Write a systemd service + timer per scheduled job, or crontab lines.';
  static override description =
    'Each job runs as `vya backup JOB --config FILE` at its schedule. --systemd writes vya-backup-<job>.service/.timer into --dir (then: systemctl daemon-reload && systemctl enable --now vya-backup-<job>.timer); --cron prints crontab lines (or writes them to --out).';
  static override examples = [
    '<%= config.bin %> schedule install --systemd --dir /etc/systemd/system --config /etc/vya/vya.yml',
    '<%= config.bin %> schedule install --cron --config /etc/vya/vya.yml | crontab -',
  ];
  static override flags = {
    systemd: Flags.boolean({ summary: 'Write systemd units.', exactlyOne: ['systemd', 'cron'] }),
    cron: Flags.boolean({ summary: 'Print crontab lines.', exactlyOne: ['systemd', 'cron'] }),
    dir: Flags.string({ summary: 'Directory for the systemd units.', default: '/etc/systemd/system' }),
    out: Flags.string({ summary: 'Write the crontab lines to this file instead of stdout.' }),
    user: Flags.string({ summary: 'systemd: run the service as this user.' }),
  };

  async run(): Promise<InstalledSchedule> {
    const { flags } = await this.parse(ScheduleInstall);
    const runtime = await this.runtime({ configFlag: flags.config });
    const result = await installSchedule(runtime, { kind: flags.systemd ? 'systemd' : 'cron', dir: flags.dir, out: flags.out, user: flags.user, bin: this.config.root });
    if (result.crontab && !flags.out) this.log(result.crontab.trimEnd());
    for (const file of result.files) this.logToStderr(`wrote ${file}`);
    if (flags.systemd) this.logToStderr(`next: systemctl daemon-reload && systemctl enable --now ${result.jobs.map((job) => `vya-backup-${job}.timer`).join(' ')}`);
    return result;
  }
}
