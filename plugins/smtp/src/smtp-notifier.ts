import nodemailer, { type Transporter } from 'nodemailer';
import { errorMessage, VyaError, type CheckItem, type Notifier, type RunEvent } from '@vya/plugin-api';
import { renderMail } from './templates.js';

export interface SmtpNotifierConfig {
  host: string;
  port: number;
  secure: boolean;
  starttls: boolean;
  username?: string;
  password?: string;
  from: string;
  onSuccess: string[];
  onFailure: string[];
  always: string[];
  testMode: boolean;
  subjectPrefix?: string;
  templatesDir: string;
  tlsRejectUnauthorized: boolean;
  tlsCa?: string;
  timeoutMs: number;
}

/**
 * E-mail after each run, like the Python tool: success reports to `on_success`, failures to
 * `on_failure` (with every failed unit, its error, and the run log attached), and `always`
 * gets both. Subject and bodies come from Handlebars templates a team can override.
 */
export class SmtpNotifier implements Notifier {
  private readonly transport: Transporter;

  constructor(private readonly config: SmtpNotifierConfig) {
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.starttls,
      ignoreTLS: !config.starttls && !config.secure,
      auth: config.username !== undefined ? { user: config.username, pass: config.password ?? '' } : undefined,
      tls: { rejectUnauthorized: config.tlsRejectUnauthorized, ca: config.tlsCa },
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    });
  }

  recipientsFor(event: RunEvent): string[] {
    const byOutcome = event.outcome === 'succeeded' ? this.config.onSuccess : this.config.onFailure;
    return [...new Set([...this.config.always, ...byOutcome])];
  }

  async notify(event: RunEvent): Promise<void> {
    const to = this.recipientsFor(event);
    if (to.length === 0) return;
    const mail = await renderMail(event, { templatesDir: this.config.templatesDir, testMode: this.config.testMode, subjectPrefix: this.config.subjectPrefix });
    const attachments = event.outcome === 'succeeded' ? [] : [{ filename: `vya-${event.run.job}-${event.run.runId}.log`, content: event.log.join('\n') + '\n', contentType: 'text/plain' }];
    try {
      await this.transport.sendMail({ from: this.config.from, to, subject: mail.subject, text: mail.text, html: mail.html, attachments });
    } catch (error) {
      throw new VyaError(`e-mail to ${to.join(', ')} via ${this.config.host}:${this.config.port} failed: ${errorMessage(error)}`, { code: 'SMTP_FAILED', hint: 'vya check tests the SMTP connection and login' });
    }
  }

  async check(): Promise<CheckItem[]> {
    try {
      await this.transport.verify();
      return [{ name: 'smtp', ok: true, detail: `${this.config.host}:${this.config.port} accepts the connection${this.config.username ? ' and the login' : ''}` }];
    } catch (error) {
      return [{ name: 'smtp', ok: false, detail: `${this.config.host}:${this.config.port}: ${errorMessage(error)}`, hint: 'check host, port, secure/starttls and the credentials' }];
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
