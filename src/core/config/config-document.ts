import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { VyaError } from '../../plugin-api/index.js';

export type DocPath = (string | number)[];

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
        hint: 'fix the syntax at that position (indentation, quotes, a missing colon)',
      });
    }
    return new ConfigDocument(file, document.toJS({ maxAliasCount: 100 }) ?? {}, document, lines);
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
