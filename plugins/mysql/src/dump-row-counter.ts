import { ReadingPassThrough } from '@vya/plugin-api';

/** Rows per table name in the data statements of a mysqldump / mariadb-dump SQL script. */
export type DumpRowCounts = Map<string, number>;

const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const OPEN = 0x28;
const CLOSE = 0x29;
const SEMICOLON = 0x3b;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const HASH = 0x23;
const NEWLINE = 0x0a;
const END_OF_COMMENT = Buffer.from('*/');
/** A statement's head longer than this is not one of the dump's INSERTs (a name is at most 64 characters). */
const MAX_HEAD = 1024;
const NOT_ROWS = 'an INSERT statement that is not INSERT INTO name [(columns)] VALUES (...)';

const enum Phase {
  /** Between statements: whitespace, comments, empty statements. */
  Start,
  /** The statement's first word. */
  Word,
  /** The rest of a `DELIMITER` client command, up to its newline. */
  Delimiter,
  /** `INSERT INTO name`, up to the first parenthesis. */
  InsertHead,
  /** An INSERT's column list. */
  Columns,
  /** Between the column list and the first row: `VALUES`. */
  AfterColumns,
  /** The rows: each parenthesis at depth 0 opens one. */
  Values,
  /** Any other statement, up to its delimiter. */
  Other,
}

const enum Comment {
  None,
  Line,
  Block,
}

const INSERT_HEAD = /^(?:INSERT|REPLACE)\s+(?:IGNORE\s+)?INTO\s+((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`|[\w$]+))?)\s*(VALUES?)?\s*$/i;

class Unreadable extends Error {}

/**
 * Counts the rows of every table as a mysqldump or mariadb-dump script streams past, so the
 * counts describe exactly the bytes that are stored and the server does not scan every table
 * a second time (docs/drills.md).
 *
 * The dump writes a table's rows as `INSERT INTO `name` [(`col`, ...)] VALUES (...),(...);`
 * at the top level of the script, all rows of a statement on one line (MySQL) or one per line
 * (MariaDB 10.11 and later); each parenthesis at depth 0 after VALUES opens a row. The script
 * is read as the client and server read it: '...' and "..." strings with backslash escapes
 * (the dump sets an empty sql_mode for itself) and doubled quotes, `...` names, `-- `, `#` and
 * block comments (executable `/*!...*\/` ones hold no rows), and the client's DELIMITER
 * command (mysqldump writes triggers, routines and events between `DELIMITER ;;` and
 * `DELIMITER ;`): an INSERT in their bodies is part of a CREATE statement, not a row.
 * Anything else it cannot follow makes `result` resolve to the reason, so the caller counts
 * another way; the data always passes through untouched and the stream never fails.
 */
export class DumpRowCounter extends ReadingPassThrough<DumpRowCounts> {
  private readonly rows: DumpRowCounts = new Map();
  private phase = Phase.Start;
  private doubledDelimiter = false;
  /** 0, or the byte that closes the quoted run being read. */
  private quote = 0;
  /** Backslashes at the end of the last chunk, inside a string: they escape the chunk's first byte or not. */
  private backslashes = 0;
  private comment = Comment.None;
  private starEndsComment = false;
  /** The previous byte outside quotes and comments, for `--`, `/*` and `;;`; -1 after a quote or comment. */
  private previous = -1;
  private dashDash = false;
  private text = '';
  private head: number[] = [];
  private table = '';
  private depth = 0;
  private tableRows = 0;

  constructor() {
    super('script');
  }

  /** A bug is not an unreadable script: it fails the stream instead of hiding behind a fallback. */
  protected override isUnreadable(error: unknown): boolean {
    return error instanceof Unreadable;
  }

  protected override finish(): DumpRowCounts {
    if (this.quote !== 0) throw new Unreadable(`the script ends inside a quoted ${this.quote === BACKTICK ? 'name' : 'string'}`);
    if (this.comment === Comment.Block) throw new Unreadable('the script ends inside a comment');
    if (this.phase === Phase.Delimiter) this.endDelimiterCommand();
    if (this.phase === Phase.InsertHead || this.phase === Phase.Columns || this.phase === Phase.AfterColumns || this.phase === Phase.Values) {
      throw new Unreadable('the script ends inside an INSERT statement');
    }
    return this.rows;
  }

  protected override inspect(chunk: Buffer): void {
    const end = chunk.length;
    let i = 0;
    while (i < end) {
      if (this.quote !== 0) i = this.skipQuoted(chunk, i);
      else if (this.comment !== Comment.None) i = this.skipComment(chunk, i);
      else if (this.phase === Phase.Values && !this.dashDash) i = this.scanRows(chunk, i);
      else if (this.phase === Phase.Delimiter) i = this.readDelimiterCommand(chunk, i);
      else this.step(chunk[i++]);
    }
  }

  /**
   * The hot path: the rows of an INSERT, a byte at a time outside strings (which indexOf
   * skips); what can open a quote or comment, or end the statement, goes through step.
   */
  private scanRows(chunk: Buffer, from: number): number {
    const end = chunk.length;
    let depth = this.depth;
    let rows = this.tableRows;
    let previous = this.previous;
    let i = from;
    for (; i < end; i++) {
      const byte = chunk[i];
      if (byte === OPEN) {
        if (depth === 0) rows++;
        depth++;
      } else if (byte === CLOSE) {
        depth--;
      } else if (byte === QUOTE) {
        const close = closingQuote(chunk, i + 1, QUOTE, 0);
        if (close < 0) break;
        i = close;
      } else if (byte === DOUBLE_QUOTE || byte === SEMICOLON || byte === BACKTICK || byte === DASH || byte === SLASH || byte === STAR || byte === HASH) {
        break;
      }
      previous = byte;
    }
    this.depth = depth;
    this.tableRows = rows;
    this.previous = previous;
    if (i < end) this.step(chunk[i++]);
    return i;
  }

  /** One byte outside quotes and comments, in any phase but Delimiter. */
  private step(byte: number): void {
    if (this.dashDash) {
      this.dashDash = false;
      if (byte <= 0x20) return this.openComment(Comment.Line);
    }
    if (byte === QUOTE || byte === DOUBLE_QUOTE || byte === BACKTICK) return this.openQuote(byte);
    if (byte === HASH) return this.openComment(Comment.Line);
    if (byte === STAR && this.previous === SLASH) return this.openComment(Comment.Block);
    if (byte === DASH && this.previous === DASH) this.dashDash = true;
    const previous = this.previous;
    this.previous = byte;
    if (byte === SEMICOLON) return this.delimiterByte(previous);
    switch (this.phase) {
      case Phase.Start:
        if (byte > 0x20 && byte !== DASH && byte !== SLASH) this.startWord(byte);
        return;
      case Phase.Word:
        return this.wordByte(byte);
      case Phase.InsertHead:
        return this.headByte(byte);
      case Phase.Columns:
        if (byte === OPEN) this.depth++;
        else if (byte === CLOSE && --this.depth === 0) this.enter(Phase.AfterColumns);
        return;
      case Phase.AfterColumns:
        if (byte === OPEN && /^\s*VALUES?\s*$/i.test(this.text)) return this.startRows();
        if (byte === OPEN || this.text.length >= MAX_HEAD) throw new Unreadable(NOT_ROWS);
        this.text += String.fromCharCode(byte);
        return;
      case Phase.Values:
        if (byte === OPEN) this.startRows();
        else if (byte === CLOSE) this.depth--;
        return;
      default:
        return;
    }
  }

  /** `;` ends a statement; in a `DELIMITER ;;` block only `;;` does. */
  private delimiterByte(previous: number): void {
    if (this.doubledDelimiter) {
      if (this.phase === Phase.Word) this.classifyWord();
      if (previous !== SEMICOLON) return;
      this.previous = -1;
    } else if (this.phase === Phase.Values && this.depth !== 0) {
      throw new Unreadable(`an INSERT into ${this.table} ends inside a row`);
    }
    this.endStatement();
  }

  private endStatement(): void {
    if (this.phase === Phase.Values) this.rows.set(this.table, (this.rows.get(this.table) ?? 0) + this.tableRows);
    else if (this.phase === Phase.InsertHead || this.phase === Phase.Columns || this.phase === Phase.AfterColumns) throw new Unreadable(NOT_ROWS);
    this.enter(Phase.Start);
  }

  private startWord(byte: number): void {
    this.enter(Phase.Word);
    this.text = String.fromCharCode(byte);
  }

  private wordByte(byte: number): void {
    const letter = (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
    if (letter && this.text.length < 16) return void (this.text += String.fromCharCode(byte));
    this.classifyWord();
    if (this.phase === Phase.InsertHead) this.headByte(byte);
  }

  /**
   * Only statements that begin with INSERT (or REPLACE) are read for rows: an INSERT inside a
   * routine's or trigger's body is part of its CREATE statement, which restoring does not run.
   * A DELIMITER command switches between `;` and `;;`, the only delimiters mysqldump writes.
   */
  private classifyWord(): void {
    const word = this.text.toUpperCase();
    if (word === 'DELIMITER') return this.enter(Phase.Delimiter);
    if (word === 'INSERT' || word === 'REPLACE') {
      this.enter(Phase.InsertHead);
      this.head = [...Buffer.from(word, 'latin1')];
      return;
    }
    this.enter(Phase.Other);
  }

  private headByte(byte: number): void {
    if (byte !== OPEN) {
      if (this.head.length >= MAX_HEAD) throw new Unreadable(NOT_ROWS);
      this.head.push(byte);
      return;
    }
    const match = INSERT_HEAD.exec(Buffer.from(this.head).toString('utf8'));
    if (!match) throw new Unreadable(NOT_ROWS);
    this.table = unquoteName(match[1]);
    if (match[2]) return this.startRows();
    this.enter(Phase.Columns);
    this.depth = 1;
  }

  private startRows(): void {
    if (this.phase !== Phase.Values) {
      this.enter(Phase.Values);
      this.tableRows = 0;
    }
    if (this.depth === 0) this.tableRows++;
    this.depth++;
  }

  private enter(phase: Phase): void {
    this.phase = phase;
    this.depth = 0;
    this.text = '';
  }

  private openQuote(byte: number): void {
    if (this.phase === Phase.Word) this.classifyWord();
    else if (this.phase === Phase.Start) this.enter(Phase.Other);
    else if (this.phase === Phase.AfterColumns) throw new Unreadable(NOT_ROWS);
    this.quote = byte;
    this.backslashes = 0;
    if (this.phase === Phase.InsertHead) this.head.push(byte);
  }

  private openComment(kind: Comment): void {
    if (this.phase === Phase.Word) this.classifyWord();
    // The `/` or `--` that opened it went to the head as bytes of the statement.
    if (this.phase === Phase.InsertHead) this.head.splice(this.head.length - openerBytes(this.head, kind));
    if (this.phase === Phase.AfterColumns) this.text = this.text.replace(kind === Comment.Block ? /\/$/ : /--$/, '');
    this.comment = kind;
    this.starEndsComment = false;
  }

  /** Past the closing quote, or to the chunk's end; in a name the bytes also go to the head. */
  private skipQuoted(chunk: Buffer, from: number): number {
    const quote = this.quote;
    if (this.phase === Phase.InsertHead) return this.collectQuoted(chunk, from);
    const at = closingQuote(chunk, from, quote, this.backslashes);
    if (at < 0) {
      if (quote !== BACKTICK) this.backslashes = trailingBackslashes(chunk, from, chunk.length, this.backslashes);
      return chunk.length;
    }
    this.backslashes = 0;
    this.quote = 0;
    this.previous = -1;
    return at + 1;
  }

  private collectQuoted(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.head.length >= MAX_HEAD) throw new Unreadable(NOT_ROWS);
      this.head.push(byte);
      if (byte === this.quote) {
        this.quote = 0;
        this.previous = -1;
        return i + 1;
      }
    }
    return chunk.length;
  }

  private skipComment(chunk: Buffer, from: number): number {
    if (this.comment === Comment.Line) {
      const at = chunk.indexOf(NEWLINE, from);
      if (at < 0) return chunk.length;
      this.closeComment();
      return at + 1;
    }
    if (this.starEndsComment && chunk[from] === SLASH) {
      this.closeComment();
      return from + 1;
    }
    const at = chunk.indexOf(END_OF_COMMENT, from);
    if (at < 0) {
      this.starEndsComment = chunk[chunk.length - 1] === STAR;
      return chunk.length;
    }
    this.closeComment();
    return at + 2;
  }

  private closeComment(): void {
    this.comment = Comment.None;
    this.previous = -1;
    // A comment separates words: `INSERT/* */INTO` reads as `INSERT INTO`.
    if (this.phase === Phase.InsertHead) this.head.push(0x20);
  }

  /** The client reads a DELIMITER command to the end of its line, without lexing it. */
  private readDelimiterCommand(chunk: Buffer, from: number): number {
    const at = chunk.indexOf(NEWLINE, from);
    const stop = at < 0 ? chunk.length : at;
    this.text += chunk.toString('latin1', from, stop);
    if (this.text.length > 64) throw new Unreadable('a DELIMITER command longer than a line');
    if (at < 0) return chunk.length;
    this.endDelimiterCommand();
    return at + 1;
  }

  private endDelimiterCommand(): void {
    const delimiter = this.text.trim();
    if (delimiter !== ';' && delimiter !== ';;') throw new Unreadable(`the delimiter ${JSON.stringify(delimiter.slice(0, 16))}, which mysqldump does not write`);
    this.doubledDelimiter = delimiter === ';;';
    this.previous = -1;
    this.enter(Phase.Start);
  }
}

/**
 * The index of the `quote` that closes a quoted run going on at `from`, or -1 when it does not
 * close in this chunk. In a string, a quote after an odd run of backslashes is escaped;
 * `carried` backslashes ended the previous chunk. A name (`) has no escapes.
 */
function closingQuote(chunk: Buffer, from: number, quote: number, carried: number): number {
  let start = from;
  for (;;) {
    const at = chunk.indexOf(quote, start);
    if (at < 0 || quote === BACKTICK || (at > start && chunk[at - 1] !== BACKSLASH)) return at;
    if (trailingBackslashes(chunk, start, at, start === from ? carried : 0) % 2 === 0) return at;
    start = at + 1;
  }
}

/** How many backslashes end chunk[start, end), plus `carried` when all of them are. */
function trailingBackslashes(chunk: Buffer, start: number, end: number, carried: number): number {
  let i = end - 1;
  while (i >= start && chunk[i] === BACKSLASH) i--;
  const run = end - 1 - i;
  return i < start ? run + carried : run;
}

function openerBytes(head: number[], kind: Comment): number {
  if (kind === Comment.Block) return head.at(-1) === SLASH ? 1 : 0;
  return head.at(-1) === DASH && head.at(-2) === DASH ? 2 : 0;
}

/** `a``b` → a`b; a bare name as it is; a qualified name's last part. */
function unquoteName(name: string): string {
  const parts = name.match(/`(?:[^`]|``)+`|[\w$]+/g) ?? [name];
  const last = parts[parts.length - 1];
  return last.startsWith('`') ? last.slice(1, -1).replace(/``/g, '`') : last;
}
