import { toConfiguredId, type Hook } from '@oclif/core';
import notFoundPrompt from '@oclif/plugin-not-found';
import levenshtein from 'fast-levenshtein';

/**
 * `vya bakup`: on a terminal, @oclif/plugin-not-found asks "Did you mean backup?" and runs it
 * on yes. Without one (scripts, CI, pipes) that plugin would only say the command does not
 * exist, so the suggestion is printed here instead, as vya prints every error: one line and a
 * hint, exit 127 as a shell does for an unknown command. Never waits for input there.
 */
const hook: Hook.CommandNotFound = async function (options) {
  if (process.stdin.isTTY && process.stdout.isTTY) return notFoundPrompt.call(this, options);
  const suggestion = closestCommand(options.id, visibleCommandIds(options.config));
  const given = toConfiguredId(options.id, options.config);
  process.stderr.write(`Error: "${given}" is not a ${options.config.bin} command\n`);
  const help = `\`${options.config.bin} help\` lists the commands`;
  process.stderr.write(`Hint: ${suggestion ? `did you mean \`${options.config.bin} ${toConfiguredId(suggestion, options.config)}\`? ${help}` : help}\n`);
  this.exit(127);
};

function visibleCommandIds(config: Parameters<Hook.CommandNotFound>[0]['config']): string[] {
  const visible = config.commands.filter((command) => !command.hidden);
  return [...visible.map((command) => command.id), ...visible.flatMap((command) => command.aliases)];
}

function closestCommand(id: string, candidates: string[]): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein.get(id, candidate);
    if (!best || distance < best.distance) best = { id: candidate, distance };
  }
  return best?.id;
}

export default hook;
