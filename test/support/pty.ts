import { spawn } from 'node:child_process';
import { repoRoot, vyaBin } from './cli.js';

/** One exchange on the terminal: wait until the output so far matches `expect`, then type `send`. */
export interface TerminalStep {
  expect: RegExp;
  send: string;
}

export interface TerminalResult {
  code: number;
  /** Everything the terminal showed: stdout and stderr together, as a user sees them. */
  screen: string;
}

// Python's pty module: a real pseudo-terminal with echo on, so that whatever vya lets the
// terminal echo shows up in the transcript. Steps arrive as JSON on the driver's stdin.
const DRIVER = `
import json, os, pty, re, select, sys, time
steps = json.loads(sys.stdin.readline())
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
screen, done_upto, deadline = b"", 0, time.time() + 60
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        screen += data
    if steps and re.search(steps[0]["expect"], screen[done_upto:].decode("utf8", "replace")):
        done_upto = len(screen)
        time.sleep(0.2)
        for ch in steps.pop(0)["send"]:
            os.write(fd, ch.encode())
            time.sleep(0.02)
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({"code": os.waitstatus_to_exitcode(status), "screen": screen.decode("utf8", "replace")}))
`;

/** Runs the real vya binary on a pseudo-terminal, answering its prompts with `steps`. */
export function runVyaOnTerminal(args: string[], steps: TerminalStep[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<TerminalResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', DRIVER, process.execPath, vyaBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', VYA_CONFIG: undefined, TERM: 'xterm', ...options.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(output) as TerminalResult);
      } catch {
        reject(new Error(`the pty driver failed: ${output}`));
      }
    });
    child.stdin.end(JSON.stringify(steps.map((step) => ({ expect: step.expect.source, send: step.send }))) + '\n');
  });
}
