import { formatBytes } from '@vya/plugin-api';

// Carriage return, then erase to the end of the line: leaves no stale characters whatever the
// width of what was there (wide characters, a resized terminal).
const CLEAR_LINE = '\r\x1b[K';

/** The status line on screen now (one at most): log lines must be printed above it. */
const onScreen = new Set<ProgressLine>();

/**
 * Writes a finished line (ending in '\n') to stderr. While a progress line is shown, it is
 * cleared first and drawn again below, so the two never end up on one line.
 */
export function writeStderrLine(text: string): void {
  const [line] = onScreen;
  if (line) line.printAbove(text);
  else process.stderr.write(text);
}

/**
 * One status line on a terminal for long transfers: bytes and rate per active unit. The total
 * size of a dump is unknown until it ends, so this is a counter, not a bar.
 */
export class ProgressLine {
  private readonly active = new Map<string, { bytes: number; startedAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  static forTerminal(enabled: boolean): ProgressLine | undefined {
    return enabled && process.stderr.isTTY ? new ProgressLine() : undefined;
  }

  start(label: string): (bytes: number) => void {
    this.active.set(label, { bytes: 0, startedAt: Date.now() });
    this.timer ??= setInterval(() => this.render(), 250);
    onScreen.add(this);
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
    onScreen.delete(this);
  }

  printAbove(text: string): void {
    const wasDrawn = this.drawn;
    this.clear();
    this.out.write(text);
    if (wasDrawn) this.render();
  }

  private render(): void {
    const now = Date.now();
    const parts = [...this.active].map(([label, { bytes, startedAt }]) => {
      const seconds = Math.max((now - startedAt) / 1000, 0.001);
      return `${label} ${formatBytes(bytes)} (${formatBytes(bytes / seconds)}/s)`;
    });
    // A terminal that reports no width (0 under some `script` setups) must not cut the line to nothing.
    const columns = this.out.columns > 0 ? this.out.columns : 120;
    const line = parts.join(' | ').slice(0, columns - 1);
    this.out.write(`${CLEAR_LINE}${line}`);
    this.drawn = line.length > 0;
  }

  private clear(): void {
    if (this.drawn) this.out.write(CLEAR_LINE);
    this.drawn = false;
  }
}
