import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { VyaError } from '@vya/plugin-api';

export type DocPath = (string | number)[];

/** yaml's limit of expansions per alias: small configs need few, a bomb needs many. */
const MAX_ALIAS_COUNT = 100;

/**
 * A parsed config file that still knows where every value came from, so that a problem at
 * `sources.pg.port` can be reported as `vya.yml:12:11`.
 */
export class ConfigDocument {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(text: string, file: string): ConfigDocument {
    const lines = new LineCounter();
    // JSON is valid YAML 1.2, so one parser serves both and both get line numbers.
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const problem = document.errors[0];
    if (problem) {
      const at = lines.linePos(problem.pos[0]);
      const where = at ? `${file}:${at.line}:${at.col}` : file;
      const reason = problem.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
      throw new VyaError(`${where}: not valid YAML/JSON: ${reason}`, {
        code: 'CONFIG_SYNTAX',
        exitCode: 2,
        hint: 'fix the syntax at that position (indentation, quotes, a missing colon)',
      });
    }
    return new ConfigDocument(file, toData(document, text, file, lines), document, lines);
  }

  static async load(file: string): Promise<ConfigDocument> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new VyaError(`cannot read config ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
        code: 'CONFIG_UNREADABLE',
        hint: code === 'ENOENT' ? 'create one with `vya init` or pass --config FILE' : 'check the file permissions',
      });
    }
    return ConfigDocument.parse(text, file);
  }

  /** `file:line:col` of the value at `path`, or of its nearest existing ancestor. */
  locate(path: DocPath, options: { key?: boolean } = {}): string {
    const offset = this.offsetOf(path, options.key ?? false);
    if (offset === undefined) return this.file;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  private offsetOf(path: DocPath, wantKey: boolean): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      if (wantKey && depth === path.length && depth > 0) {
        const keyNode = this.keyNode(prefix.slice(0, -1), prefix[depth - 1]);
        if (keyNode?.range) return keyNode.range[0];
      }
      const node = (depth === 0 ? this.document.contents : this.document.getIn(prefix, true)) as Node | undefined;
      if (node && node.range) return node.range[0];
    }
    return undefined;
  }

  private keyNode(parentPath: DocPath, key: string | number): Node | undefined {
    const parent = parentPath.length === 0 ? this.document.contents : this.document.getIn(parentPath, true);
    if (!isMap(parent)) return undefined;
    for (const item of parent.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(key)) return item.key as Node;
    }
    return undefined;
  }
}

/**
 * The plain data of the document. Aliases are expanded here, so here a hostile or broken file
 * fails: an alias bomb ("billion laughs") or an alias to an anchor never set.
 */
function toData(document: Document, text: string, file: string, lines: LineCounter): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    const message = (error as Error).message;
    const unresolved = /Unresolved alias.*: (\S+)$/.exec(message);
    if (unresolved) {
      const at = text.indexOf(`*${unresolved[1]}`);
      const pos = at >= 0 ? lines.linePos(at) : undefined;
      throw new VyaError(`${pos ? `${file}:${pos.line}:${pos.col}` : file}: not valid YAML: alias *${unresolved[1]} refers to no anchor &${unresolved[1]} before it`, {
        code: 'CONFIG_SYNTAX',
        exitCode: 2,
        hint: 'define the anchor (&name) before its first use, or write the value out',
      });
    }
    if (/alias count/i.test(message)) {
      throw new VyaError(`${file}: refused: its YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} alias uses per anchor, as in a "billion laughs" file)`, {
        code: 'CONFIG_SYNTAX',
        exitCode: 2,
        hint: 'write the repeated values out, or use fewer aliases',
      });
    }
    throw new VyaError(`${file}: not valid YAML/JSON: ${message.split('\n')[0]}`, { code: 'CONFIG_SYNTAX',
        exitCode: 2, hint: 'fix the file' });
  }
}
