const MASK = '***';
const MIN_SECRET_LENGTH = 3;
/** An age secret key (bech32), masked even before it was registered: a key is never shown. */
const AGE_SECRET_KEY = /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]+/gi;

/**
 * Removes known secret values from text before it reaches a terminal, a log, an error or a
 * report. Every secret that is resolved from a store, or that a plugin declares, is added.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return;
    this.secrets.add(value);
    // Encoded forms turn up in URLs and JSON.
    this.secrets.add(encodeURIComponent(value));
    this.secrets.add(JSON.stringify(value).slice(1, -1));
    this.pattern = undefined;
  }

  redact(text: string): string {
    let result = text.replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, `$1${MASK}@`).replace(AGE_SECRET_KEY, MASK);
    if (this.secrets.size === 0) return result;
    this.pattern ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    result = result.replace(this.pattern, MASK);
    return result;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
