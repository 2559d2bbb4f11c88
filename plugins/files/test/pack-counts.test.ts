import { expect } from 'chai';
import { newCounts, noteUnread } from '../src/pack-counts.js';

/** Which of GNU tar's warnings mean an entry is missing from the snapshot or incomplete in it. */
describe('files: warnings that make a snapshot incomplete (noteUnread)', () => {
  const unreadOf = (...warnings: string[]) => {
    const counts = newCounts();
    for (const warning of warnings) noteUnread(counts, warning);
    return counts;
  };

  it('counts entries tar could not read, or read short', () => {
    const counts = unreadOf(
      './secret: Warning: Cannot open: Permission denied',
      './closed: Cannot savedir: Permission denied',
      './disk.img: Read error at byte 4096, while reading 512 bytes: Input/output error',
      './log: File shrank by 100 bytes; padding with zeros',
      './link: Cannot readlink: Permission denied',
    );
    expect(counts.unread).to.equal(5);
    expect(counts.unread_first).to.equal('./secret: Warning: Cannot open: Permission denied');
  });

  it('does not count an entry gone since the walk, one changed while read, or other notes', () => {
    const counts = unreadOf(
      './tmp.lock: Warning: Cannot stat: No such file or directory',
      './tmp.lock: File removed before we read it',
      './growing.log: file changed as we read it',
      './sock: socket ignored',
      './Cannot open: a file named so: file changed as we read it',
    );
    expect(counts.unread).to.equal(0);
    expect(counts.unread_first).to.equal(undefined);
  });
});
