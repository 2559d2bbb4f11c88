import type { RunEvent } from '@vya/plugin-api';

export const WEBHOOK_FORMATS = ['generic', 'slack', 'discord', 'teams', 'telegram'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface PayloadOptions {
  /** Telegram's chat (a numeric id or @channelname); required for `format: telegram`. */
  chatId?: string;
}

// Limits the receivers enforce: a longer message is refused with 400, not cut.
const DISCORD_CONTENT_MAX = 2000;
const TELEGRAM_TEXT_MAX = 4096;

export function payloadFor(format: WebhookFormat, event: RunEvent, options: PayloadOptions = {}): Record<string, unknown> {
  switch (format) {
    case 'slack':
      return slackPayload(event);
    case 'discord':
      return discordPayload(event);
    case 'teams':
      return teamsPayload(event);
    case 'telegram':
      return telegramPayload(event, options.chatId ?? '');
    default:
      return genericPayload(event);
  }
}

export function genericPayload(event: RunEvent): Record<string, unknown> {
  const { run } = event;
  return {
    source: 'vya',
    event: `${event.kind === 'drill' ? 'drill' : 'run'}.${event.outcome}`,
    kind: event.kind ?? 'backup',
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

/** What every chat message says: a headline, the run's own error, and each failed unit with its error. */
interface ChatSummary {
  headline: string;
  error?: string;
  failures: { unit: string; error: string }[];
}

function chatSummary(event: RunEvent): ChatSummary {
  const { run } = event;
  return {
    headline: `vya ${run.job}${event.kind === 'drill' ? ' restore drill' : ''} ${event.outcome} on ${run.host}: ${run.totals.succeeded}/${run.totals.units} units`,
    error: run.error,
    failures: run.units.filter((unit) => unit.status === 'failed').map((unit) => ({ unit: unit.unit, error: unit.error ?? 'failed' })),
  };
}

export function slackPayload(event: RunEvent): Record<string, unknown> {
  const { run } = event;
  const icon = event.outcome === 'succeeded' ? ':white_check_mark:' : event.outcome === 'partial' ? ':warning:' : ':x:';
  const summary = chatSummary(event);
  const lines = [`${icon} *vya ${run.job}*${event.kind === 'drill' ? ' restore drill' : ''} ${event.outcome} on ${run.host}: ${run.totals.succeeded}/${run.totals.units} units`];
  if (summary.error) lines.push(`> ${summary.error}`);
  for (const failure of summary.failures) lines.push(`• \`${failure.unit}\`: ${failure.error}`);
  return { text: lines.join('\n'), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }] };
}

const DISCORD_COLOURS = { succeeded: 0x2e7d32, partial: 0xf9a825, failed: 0xc62828 } as const;

/** A Discord execute-webhook body: `content` for notifications and previews, one coloured embed. */
export function discordPayload(event: RunEvent): Record<string, unknown> {
  const summary = chatSummary(event);
  const details = [...(summary.error ? [summary.error] : []), ...summary.failures.map((f) => `\`${escapeDiscord(f.unit)}\`: ${escapeDiscord(f.error)}`)];
  const content = truncate([`**${escapeDiscord(summary.headline)}**`, ...details].join('\n'), DISCORD_CONTENT_MAX);
  return {
    username: 'vya',
    content,
    allowed_mentions: { parse: [] },
    embeds: [{ title: truncate(summary.headline, 256), color: DISCORD_COLOURS[event.outcome], timestamp: event.run.finishedAt }],
  };
}

/** A Teams Workflows ("post to a channel when a webhook request is received") message with an Adaptive Card. */
export function teamsPayload(event: RunEvent): Record<string, unknown> {
  const summary = chatSummary(event);
  const colour = event.outcome === 'succeeded' ? 'Good' : event.outcome === 'partial' ? 'Warning' : 'Attention';
  const body: Record<string, unknown>[] = [{ type: 'TextBlock', text: summary.headline, weight: 'Bolder', size: 'Medium', color: colour, wrap: true }];
  if (summary.error) body.push({ type: 'TextBlock', text: summary.error, wrap: true });
  if (summary.failures.length > 0) body.push({ type: 'FactSet', facts: summary.failures.map((f) => ({ title: f.unit, value: f.error })) });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  };
}

/** A Telegram Bot API `sendMessage` body, in plain text so that no error text needs escaping. */
export function telegramPayload(event: RunEvent, chatId: string): Record<string, unknown> {
  const summary = chatSummary(event);
  const lines = [summary.headline, ...(summary.error ? [summary.error] : []), ...summary.failures.map((f) => `- ${f.unit}: ${f.error}`)];
  return { chat_id: chatId, text: truncate(lines.join('\n'), TELEGRAM_TEXT_MAX), disable_web_page_preview: true };
}

function escapeDiscord(text: string): string {
  return text.replace(/([\\*_`~|>])/g, '\\$1');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
