import { spawnSync } from 'node:child_process';

/**
 * A Python interpreter that has the `cryptography` package: $VYA_TEST_PYTHON, else the
 * first of python3 on the PATH and Debian's /usr/bin/python3 that can import it (a pyenv
 * python3 on the PATH often lacks the Debian package).
 */
export function pythonWithCryptography(): string {
  const candidates = [process.env.VYA_TEST_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  const found = candidates.find((python) => spawnSync(python, ['-c', 'import cryptography']).status === 0);
  if (!found) throw new Error(`no Python with the cryptography package (tried ${candidates.join(', ')}); install python3-cryptography`);
  return found;
}
