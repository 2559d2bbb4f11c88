/** What the user typed wrong, from one of oclif's parser errors, as one line and a hint. */
export interface UsageProblem {
  message: string;
  hint: string;
}

export interface CommandShape {
  /** The command's id with spaces, e.g. `secrets set`. */
  id: string;
  flags: string[];
}

interface ParserError extends Error {
  args?: unknown[];
  flags?: string[];
}

/**
 * oclif's parser errors span several lines (a list, then advice about multiple-value flags);
 * joined, they read as noise. Said again here from the error's own fields, by kind.
 */
export function describeUsageError(error: ParserError, command: CommandShape): UsageProblem {
  const help = `see \`vya ${command.id} --help\``;
  switch (error.constructor.name) {
    case 'RequiredArgsError': {
      const args = (error.args ?? []) as { name: string; description?: string }[];
      const described = args.map((arg) => `${arg.name.toUpperCase()}${arg.description ? ` (${arg.description})` : ''}`);
      return { message: `missing ${described.join(', ')}`, hint: `vya ${command.id} ${args.map((arg) => arg.name.toUpperCase()).join(' ')} ...; ${help}` };
    }
    case 'NonExistentFlagsError': {
      const unknown = error.flags ?? [];
      const suggestion = unknown.map((flag) => closest(flag.replace(/^-+/, '').replace(/=.*$/, ''), command.flags)).find(Boolean);
      return { message: `unknown flag ${unknown.join(', ')}`, hint: suggestion ? `did you mean --${suggestion}? ${help}` : help };
    }
    case 'UnexpectedArgsError': {
      const args = (error.args ?? []).map(String);
      const optionLike = args.some((arg) => arg.startsWith('-'));
      return { message: `unexpected argument ${args.join(' ')}`, hint: optionLike ? `a value that starts with "-" goes after "--"; ${help}` : help };
    }
    default:
      return { message: firstMeaningfulLine(error.message) || 'invalid usage', hint: help };
  }
}

function firstMeaningfulLine(message: string): string {
  return (
    message
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line && !/^See more help/.test(line) && !/^The following errors? occurred:?$/.test(line)) ?? ''
  );
}

/** The known name within two edits of `typed`, if exactly one is closest. */
function closest(typed: string, known: string[]): string | undefined {
  const scored = known.map((name) => ({ name, distance: editDistance(typed, name) })).filter((s) => s.distance <= 2);
  scored.sort((a, b) => a.distance - b.distance);
  return scored.length && (scored.length === 1 || scored[0].distance < scored[1].distance) ? scored[0].name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
