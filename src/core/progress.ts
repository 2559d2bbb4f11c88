import { formatBytes } from '../plugin-api/index.js';

/**
 * One status line on a terminal for long transfers: bytes and rate per active unit. The total
 * size of a dump is unknown until it ends, so this is a counter, not a bar.
 */
export class ProgressLine {
  private readonly active = new Map<string, { bytes: number; startedAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private lastWidth = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  static forTerminal(enabled: boolean): ProgressLine | undefined {
    return enabled && process.stderr.isTTY ? new ProgressLine() : undefined;
  }

  start(label: string): (bytes: number) => void {
    this.active.set(label, { bytes: 0, startedAt: Date.now() });
    this.timer ??= setInterval(() => this.render(), 250);
    return (bytes) => {
      const entry = this.active.get(label);
      if (entry) entry.bytes = bytes;
    };
  }

  finish(label: string): void {
    this.active.delete(label);
    if (this.active.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private render(): void {
    const now = Date.now();
    const parts = [...this.active].map(([label, { bytes, startedAt }]) => {
      const seconds = Math.max((now - startedAt) / 1000, 0.001);
      return `${label} ${formatBytes(bytes)} (${formatBytes(bytes / seconds)}/s)`;
    });
    const line = parts.join(' | ').slice(0, (this.out.columns ?? 120) - 1);
    this.clear();
    this.out.write(line);
    this.lastWidth = line.length;
  }

  private clear(): void {
    if (this.lastWidth > 0) this.out.write(`\r${' '.repeat(this.lastWidth)}\r`);
    this.lastWidth = 0;
  }
}

