import { errorMessage, VyaError, type Notifier, type RunEvent } from '@vya/plugin-api';
import { payloadFor, type WebhookFormat } from './payloads.js';

export interface WebhookConfig {
  url: string;
  format: WebhookFormat;
  /** Telegram's chat id, for `format: telegram`. */
  chatId?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  on: ('success' | 'failure' | 'always')[];
}

/** JSON POSTs after each run: vya's own payload, or a chat message (Slack, Discord, Teams, Telegram). Retries 5xx, 429 and timeouts. */
export class WebhookNotifier implements Notifier {
  constructor(private readonly config: WebhookConfig) {}

  wants(event: RunEvent): boolean {
    const on = this.config.on;
    return on.includes('always') || on.includes(event.outcome === 'succeeded' ? 'success' : 'failure');
  }

  async notify(event: RunEvent): Promise<void> {
    if (!this.wants(event)) return;
    const body = JSON.stringify(payloadFor(this.config.format, event, { chatId: this.config.chatId }));
    let lastError = '';
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.config.retryDelayMs * 2 ** (attempt - 1)));
      try {
        const response = await fetch(this.config.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...this.config.headers }, signal: AbortSignal.timeout(this.config.timeoutMs) });
        if (response.ok) return;
        lastError = `HTTP ${response.status}${await receiverReason(response)}`;
        // 4xx will not get better by asking again (except throttling).
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        lastError = (error as Error).name === 'TimeoutError' ? `timed out after ${this.config.timeoutMs} ms` : errorMessage(error);
      }
    }
    throw new VyaError(`webhook ${new URL(this.config.url).host} failed: ${lastError}`, { code: 'WEBHOOK_FAILED', hint: 'check the url and that the receiver answers 2xx' });
  }
}

/** The receiver's own word on a refusal (Telegram's `description`, Discord's `message`, Slack's text), shortened. */
async function receiverReason(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).trim();
  if (!text) return '';
  let reason = text.split('\n')[0];
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const said = body.description ?? body.message ?? body.error;
    if (typeof said === 'string') reason = said;
  } catch {
    // Not JSON: the first line as it is.
  }
  return `: ${reason.slice(0, 200)}`;
}
