import askConfirmation from '@inquirer/confirm';
import password from '@inquirer/password';
import { VyaError } from '@vya/plugin-api';

/** Reads all of standard input (for `vya secrets set` in scripts: `printf %s "$PW" | vya secrets set NAME`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is what `echo` adds; it is never part of the secret.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Asks on the terminal without echoing what is typed. The prompt goes to stderr, so that
 * stdout stays clean for `--json`.
 */
export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new VyaError('no terminal to ask for the password', { code: 'USAGE', exitCode: 2, hint: 'pipe it on standard input, or pass --password' });
  return asked(() => password({ message: question.replace(/:\s*$/, ''), theme: { prefix: '' } }, { output: process.stderr }));
}

export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  return asked(() => askConfirmation({ message: question, default: false, theme: { prefix: '' } }, { output: process.stderr }));
}

/** Ctrl-C or Ctrl-D at a prompt ends the command as an interruption would, not with a stack trace. */
async function asked<T>(prompt: () => Promise<T>): Promise<T> {
  try {
    return await prompt();
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new VyaError('cancelled at the prompt', { code: 'CANCELLED', exitCode: 130 });
    throw error;
  }
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
