import { createInterface } from 'node:readline';
import { VyaError } from '../../plugin-api/index.js';

/** Reads all of standard input (for `vya secrets set` in scripts: `printf %s "$PW" | vya secrets set NAME`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is what `echo` adds; it is never part of the secret.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new VyaError('no terminal to ask for the password', { code: 'USAGE', exitCode: 2, hint: 'pipe it on standard input, or pass --password' });
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (text: string) => void; output: NodeJS.WriteStream };
  let muted = false;
  output._writeToOutput = (text: string) => {
    if (!muted || text.includes('\n')) process.stderr.write(muted ? '\n' : text);
  };
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
    muted = true;
  });
}

export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

/** `--field key=value`; a value of `-` is read from standard input. */
export function parseFieldFlags(flags: string[] | undefined): { fields: Record<string, string>; fromStdin?: string } {
  const fields: Record<string, string> = {};
  let fromStdin: string | undefined;
  for (const flag of flags ?? []) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new VyaError(`--field ${flag}: expected key=value`, { code: 'USAGE', exitCode: 2, hint: 'e.g. --field json=- to read a service-account JSON from stdin' });
    const key = flag.slice(0, eq);
    const value = flag.slice(eq + 1);
    if (value === '-') {
      if (fromStdin) throw new VyaError('only one value can come from standard input', { code: 'USAGE', exitCode: 2 });
      fromStdin = key;
    } else fields[key] = value;
  }
  return { fields, fromStdin };
}
