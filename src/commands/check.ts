import type { CheckItem } from '@vya/plugin-api';
import { VyaCommand } from '../base-command.js';
import { ConfigError } from '../core/config/config-error.js';
import { runChecks } from '../core/check/run-checks.js';

export default class Check extends VyaCommand {
  static override summary = 'Validate the config and check every source, sink and notifier.';
  static override description =
    'Reports config problems with file, line and column; connects to each source (server version, tools present and new enough); proves each sink can write, read, list and delete; resolves every secret reference. Exits 0 only when everything passed.';
  static override examples = ['<%= config.bin %> check', '<%= config.bin %> check --config /etc/vya/vya.yml --json'];

  async run(): Promise<{ ok: boolean; checks: CheckItem[] }> {
    const { flags } = await this.parse(Check);
    let checks: CheckItem[];
    let configInvalid = false;
    try {
      const runtime = await this.runtime({ configFlag: flags.config });
      checks = await runChecks(runtime, this.abortSignal);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      configInvalid = true;
      checks = error.problems.map((problem) => ({ name: 'config', ok: false, detail: problem }));
    }
    for (const item of checks) {
      this.log(`${item.ok ? 'ok  ' : 'FAIL'}  ${item.name}: ${item.detail}${item.ok || !item.hint ? '' : `\n      hint: ${item.hint}`}`);
    }
    const ok = checks.every((item) => item.ok);
    const failed = checks.filter((item) => !item.ok).length;
    this.log(ok ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`);
    // An invalid config is bad input (nothing could be checked): 2, like every other command.
    if (!ok) process.exitCode = configInvalid ? 2 : 1;
    return { ok, checks };
  }
}
