import type { Logger } from '@vya/plugin-api';
import { writeStderrLine } from './progress.js';
import type { Redactor } from './redactor.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LogSink {
  write(line: string): void;
}

/**
 * The core's logger: every line is redacted, printed to stderr at or above `level`, and also
 * kept (at every level) by whoever listens with `capture()` — a run's log for the failure mail.
 */
export class CoreLogger implements Logger {
  private readonly captures = new Set<string[]>();

  constructor(
    private readonly redactor: Redactor,
    private level: LogLevel = 'info',
    private readonly out: LogSink = { write: (line) => writeStderrLine(line + '\n') },
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  /** Starts keeping lines; call the returned function to stop and get them. */
  capture(): () => string[] {
    const lines: string[] = [];
    this.captures.add(lines);
    return () => {
      this.captures.delete(lines);
      return lines;
    };
  }

  /** A logger whose lines carry a prefix such as the job and unit. */
  child(prefix: string): Logger {
    return {
      debug: (m) => this.debug(`${prefix}: ${m}`),
      info: (m) => this.info(`${prefix}: ${m}`),
      warn: (m) => this.warn(`${prefix}: ${m}`),
      error: (m) => this.error(`${prefix}: ${m}`),
    };
  }

  debug(message: string): void {
    this.emit('debug', message);
  }
  info(message: string): void {
    this.emit('info', message);
  }
  warn(message: string): void {
    this.emit('warn', message);
  }
  error(message: string): void {
    this.emit('error', message);
  }

  private emit(level: LogLevel, message: string): void {
    const line = this.redactor.redact(message);
    const stamped = `${new Date().toISOString()} ${level.toUpperCase()} ${line}`;
    for (const lines of this.captures) lines.push(stamped);
    if (ORDER[level] >= ORDER[this.level]) this.out.write(level === 'info' ? line : `${level}: ${line}`);
  }
}
