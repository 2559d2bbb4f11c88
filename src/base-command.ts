import { constants as osConstants } from 'node:os';
import { Command, Flags, Errors } from '@oclif/core';
import { VyaError, errorMessage, isVyaError } from '@vya/plugin-api';
import { findConfigFile } from './core/config/find-config.js';
import { ConfigError } from './core/config/config-error.js';
import { CoreLogger } from './core/logger.js';
import { loadRegistry } from './core/plugin-loader.js';
import { Redactor } from './core/redactor.js';
import { Runtime } from './core/runtime.js';
import { describeUsageError, type CommandShape } from './core/usage-error.js';

/** How long a command may clean up after SIGINT/SIGTERM before it quits regardless. */
const STOP_GRACE_MS = 30_000;

/**
 * What every vya command shares: --config/--debug/--json, the runtime (config + plugins),
 * cancellation on SIGINT/SIGTERM, and errors as one line plus a hint.
 */
export abstract class VyaCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({ char: 'c', summary: 'Config file (default: $VYA_CONFIG, ./vya.yml, ~/.config/vya/vya.yml, /etc/vya/vya.yml).', helpGroup: 'GLOBAL' }),
    debug: Flags.boolean({ summary: 'Log debug lines and show stack traces.', helpGroup: 'GLOBAL' }),
  };

  protected readonly redactor = new Redactor();
  protected readonly logger = new CoreLogger(this.redactor);
  private readonly controller = new AbortController();
  private runtimeInstance: Runtime | undefined;
  private debugEnabled = false;
  private interruptedBy: NodeJS.Signals | undefined;
  /** For a service (`vya daemon`) a signal is the ordinary way to stop: it exits 0, not 128 + n. */
  protected readonly signalIsNormalStop: boolean = false;

  protected get abortSignal(): AbortSignal {
    return this.controller.signal;
  }

  override async init(): Promise<void> {
    await super.init();
    this.debugEnabled = this.argv.includes('--debug') || process.env.VYA_DEBUG === '1';
    if (this.debugEnabled) this.logger.setLevel('debug');
    const stop = (signal: NodeJS.Signals) => {
      const exitCode = signal === 'SIGINT' ? 130 : 143;
      if (this.controller.signal.aborted) process.exit(exitCode);
      this.logger.warn(`${signal} received: stopping; partial uploads are removed (send it again to quit at once)`);
      this.interruptedBy = signal;
      this.controller.abort(new Error(`interrupted by ${signal}`));
      // Work that does not watch the signal (a probe, a hung connection) must not keep the
      // process alive: after a grace period for cleanup it quits anyway.
      setTimeout(() => {
        this.logger.error(`still not stopped ${STOP_GRACE_MS / 1000} s after ${signal}: quitting now`);
        process.exit(exitCode);
      }, STOP_GRACE_MS).unref();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }

  /** The loaded config and plugins; `requireConfig: false` for commands that work without a config file. */
  protected async runtime(options: { configFlag?: string; requireConfig?: boolean } = {}): Promise<Runtime> {
    if (this.runtimeInstance) return this.runtimeInstance;
    const registry = await loadRegistry(this.config);
    for (const failure of registry.failures) this.logger.warn(`plugin ${failure.plugin} failed to load: ${failure.error}`);
    for (const conflict of registry.conflicts) this.logger.warn(conflict);
    const configFile = await findConfigFile(options.configFlag);
    if (!configFile && options.requireConfig !== false) {
      throw new VyaError('no config file found', {
        code: 'CONFIG_MISSING',
        exitCode: 2,
        hint: 'create one with `vya init`, or pass --config FILE (or set VYA_CONFIG)',
      });
    }
    this.runtimeInstance = await Runtime.create({ registry, configFile, redactor: this.redactor, logger: this.logger });
    return this.runtimeInstance;
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    // An interrupted command says so in its exit code, whatever it returned (128 + the signal).
    if (this.interruptedBy && !this.signalIsNormalStop) process.exitCode = interruptedExitCode(this.interruptedBy);
    await this.runtimeInstance?.close();
    return super.finally(error);
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error;
    const { message, hint, code, exitCode, problems } = describeError(error, { id: (this.id ?? '').replaceAll(':', ' '), flags: Object.keys(this.ctor.flags ?? {}) });
    const redact = (text: string) => this.redactor.redact(text);
    if (this.jsonEnabled()) {
      this.logJson({ error: { message: redact(message), code, hint, problems: problems?.map(redact) } });
    } else {
      this.logToStderr(`Error: ${redact(message)}`);
      if (hint) this.logToStderr(`Hint: ${redact(hint)}`);
      if (this.debugEnabled && error.stack) this.logToStderr(redact(error.stack));
    }
    return this.exit(this.interruptedBy && !this.signalIsNormalStop ? interruptedExitCode(this.interruptedBy) : exitCode);
  }
}

function interruptedExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 2);
}

function describeError(error: Error & { oclif?: { exit?: number } }, command: CommandShape): { message: string; hint?: string; code: string; exitCode: number; problems?: string[] } {
  if (isVyaError(error)) {
    return { message: error.message, hint: error.hint, code: error.code, exitCode: error.exitCode, problems: error instanceof ConfigError ? error.problems : undefined };
  }
  if (error instanceof Errors.CLIError) return { ...describeUsageError(error, command), code: 'USAGE', exitCode: 2 };
  return { message: errorMessage(error).split('\n')[0] || 'unexpected error', hint: 'run again with --debug for details', code: 'INTERNAL', exitCode: 1 };
}
