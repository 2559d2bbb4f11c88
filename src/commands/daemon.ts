import { VyaCommand } from '../base-command.js';
import { Daemon } from '../core/schedule/daemon.js';

export default class DaemonCommand extends VyaCommand {
  static override summary = 'Run every scheduled job on its cron schedule, in the foreground.';
  static override description =
    'For systemd services, containers and Kubernetes. A job never overlaps itself; daemon.concurrency bounds how many jobs run at once; a job\'s schedule.timeout aborts it cleanly; failed runs are retried (schedule.retries) with exponential backoff. SIGTERM or SIGINT stops scheduling and aborts running units, removing their partial uploads. A heartbeat is written to <state dir>/daemon-heartbeat.json.';
  static override examples = ['<%= config.bin %> daemon --config /etc/vya/vya.yml'];
  protected override readonly signalIsNormalStop = true;

  async run(): Promise<{ stopped: boolean }> {
    const { flags } = await this.parse(DaemonCommand);
    const runtime = await this.runtime({ configFlag: flags.config });
    const daemon = new Daemon(runtime, { vyaVersion: this.config.version, signal: this.abortSignal });
    this.logToStderr(`vya daemon: ${daemon.scheduledJobs.length} scheduled job(s): ${daemon.scheduledJobs.join(', ')}`);
    await daemon.run();
    return { stopped: true };
  }
}
