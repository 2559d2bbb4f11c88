import { VyaError } from '@vya/plugin-api';

/** A config that failed validation; `problems` holds every problem, one line each. */
export class ConfigError extends VyaError {
  readonly problems: string[];

  constructor(problems: string[], hint = 'fix the config; `vya check` lists every problem') {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super(`${problems[0]}${more}`, { code: 'CONFIG_INVALID', hint, exitCode: 2 });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
