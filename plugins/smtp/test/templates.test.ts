import { expect } from 'chai';
import type { RunEvent } from '@vya/plugin-api';
import { defaultTemplatesDir, renderMail } from '../src/templates.js';

const error = `access denied for user "nc_backup" & <role> 'x'`;
const event: RunEvent = {
  outcome: 'failed',
  log: [],
  run: {
    runId: 'r1',
    job: 'nightly <pg>',
    host: 'db-01',
    outcome: 'failed',
    startedAt: '2026-11-26T02:00:00.000Z',
    finishedAt: '2026-11-26T02:00:05.000Z',
    durationMs: 5000,
    units: [{ job: 'nightly <pg>', source: 'pg', sink: 'local', unit: 'shop', status: 'failed', startedAt: '2026-11-26T02:00:00.000Z', finishedAt: '2026-11-26T02:00:01.000Z', rawBytes: 0, storedBytes: 0, durationMs: 10, error }],
    totals: { units: 1, succeeded: 0, failed: 1, rawBytes: 0, storedBytes: 0 },
  },
};

describe('smtp: the shipped mail templates', () => {
  it('keep error text as it is in the subject and the plain-text part, and escape it only in HTML', async () => {
    const mail = await renderMail(event, { templatesDir: defaultTemplatesDir(), testMode: false });
    expect(mail.text).to.include(error);
    expect(mail.text).to.not.match(/&quot;|&amp;|&lt;|&#x27;/);
    expect(mail.subject).to.match(/^vya: nightly <pg> FAILED - db-01 - /);
    expect(mail.html).to.include('access denied for user &quot;nc_backup&quot; &amp; &lt;role&gt;');
    expect(mail.html).to.not.include('<role>');
  });
});
