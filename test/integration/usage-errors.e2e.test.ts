import { expect } from 'chai';
import { runVya } from '../support/cli.js';

describe('usage errors: one readable line and a hint that helps', function () {
  this.timeout(60_000);

  it('a missing argument names it and shows the usage (no oclif advice glued on)', async () => {
    const result = await runVya(['restore']);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.deep.equal(['Error: missing SNAPSHOT (snapshot id, id prefix, or JOB/UNIT@latest)', 'Hint: vya restore SNAPSHOT ...; see `vya restore --help`']);
  });

  it('a mistyped flag gets a suggestion; an unknown one points at --help', async () => {
    const typo = await runVya(['verify', '--identty', 'key.txt', 'x']);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.match(/^Error: unknown flag --identty\nHint: did you mean --identity\? see `vya verify --help`\n$/);
    const unknown = await runVya(['backup', '--bogus']);
    expect(unknown.stderr).to.match(/^Error: unknown flag --bogus\nHint: see `vya backup --help`\n$/);
  });

  it('extra arguments are named; with --json the error is one JSON document', async () => {
    const result = await runVya(['restore', 'a', 'b', '--to', '/tmp/x', '--json']);
    expect(result.code).to.equal(2);
    expect(JSON.parse(result.stdout)).to.deep.equal({ error: { message: 'unexpected argument b', code: 'USAGE', hint: 'see `vya restore --help`' } });
  });
});
