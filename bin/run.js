#!/usr/bin/env node
import { execute } from '@oclif/core';

// The AWS SDK warns on every start that its releases after January 2027 will need Node 22.
// vya pins SDK versions that support Node 20; the warning would only bury vya's own output.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'NodeVersionSupportWarning' || (warning instanceof Error && warning.name === 'NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

await execute({ dir: import.meta.url });
