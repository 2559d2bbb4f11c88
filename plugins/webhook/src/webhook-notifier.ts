import { errorMessage, VyaError, type Notifier, type RunEvent } from 'vya/plugin-api';

export interface WebhookConfig {
  url: string;
  format: 'generic' | 'slack';
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  on: ('success' | 'failure' | 'always')[];
}

/** JSON POSTs after each run: vya's own payload, or a Slack-compatible message. Retries 5xx and timeouts. */
export class WebhookNotifier implements Notifier {
  constructor(private readonly config: WebhookConfig) {}

  wants(event: RunEvent): boolean {
    const on = this.config.on;
    return on.includes('always') || on.includes(event.outcome === 'succeeded' ? 'success' : 'failure');
  }

  async notify(event: RunEvent): Promise<void> {
    if (!this.wants(event)) return;
    const body = JSON.stringify(this.config.format === 'slack' ? slackPayload(event) : genericPayload(event));
    let lastError = '';
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.config.retryDelayMs * 2 ** (attempt - 1)));
      try {
        const response = await fetch(this.config.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...this.config.headers }, signal: AbortSignal.timeout(this.config.timeoutMs) });
        if (response.ok) return;
        lastError = `HTTP ${response.status}`;
        // 4xx will not get better by asking again (except throttling).
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        lastError = (error as Error).name === 'TimeoutError' ? `timed out after ${this.config.timeoutMs} ms` : errorMessage(error);
      }
    }
    throw new VyaError(`webhook ${new URL(this.config.url).host} failed: ${lastError}`, { code: 'WEBHOOK_FAILED', hint: 'check the url and that the receiver answers 2xx' });
  }
}

export function genericPayload(event: RunEvent): Record<string, unknown> {
  const { run } = event;
  return {
    source: 'vya',
    event: `run.${event.outcome}`,
    outcome: event.outcome,
    job: run.job,
    host: run.host,
    run_id: run.runId,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: run.durationMs,
    error: run.error ?? null,
    totals: { units: run.totals.units, succeeded: run.totals.succeeded, failed: run.totals.failed, raw_bytes: run.totals.rawBytes, stored_bytes: run.totals.storedBytes },
    units: run.units.map((unit) => ({ unit: unit.unit, status: unit.status, snapshot_id: unit.snapshotId ?? null, raw_bytes: unit.rawBytes, stored_bytes: unit.storedBytes, duration_ms: unit.durationMs, error: unit.error ?? null })),
  };
}

export function slackPayload(event: RunEvent): Record<string, unknown> {
  const { run } = event;
  const icon = event.outcome === 'succeeded' ? ':white_check_mark:' : event.outcome === 'partial' ? ':warning:' : ':x:';
  const failed = run.units.filter((unit) => unit.status === 'failed');
  const lines = [`${icon} *vya ${run.job}* ${event.outcome} on ${run.host}: ${run.totals.succeeded}/${run.totals.units} units`];
  if (run.error) lines.push(`> ${run.error}`);
  for (const unit of failed) lines.push(`• \`${unit.unit}\`: ${unit.error ?? 'failed'}`);
  return { text: lines.join('\n'), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }] };
}
