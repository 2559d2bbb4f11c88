import { runTool, VyaError } from 'vya/plugin-api';

export interface MysqlTools {
  dump: string;
  client: string;
}

/** `mariadb-dump`/`mariadb` when present, else `mysqldump`/`mysql`; or the configured paths. */
export async function findTools(configured: Partial<MysqlTools>): Promise<MysqlTools> {
  const dump = configured.dump ?? (await firstPresent(['mariadb-dump', 'mysqldump']));
  const client = configured.client ?? (await firstPresent(['mariadb', 'mysql']));
  return { dump, client };
}

export async function toolVersion(tool: string): Promise<string> {
  const output = await runTool(tool, ['--version'], { label: `${tool} --version` });
  return (/Distrib\s+([0-9][^\s,]*)/.exec(output) ?? /Ver\s+([0-9][^\s,]*)/.exec(output))?.[1] ?? output.trim();
}

async function firstPresent(candidates: string[]): Promise<string> {
  for (const candidate of candidates) {
    try {
      await runTool(candidate, ['--version'], { label: candidate });
      return candidate;
    } catch {
      // try the next name
    }
  }
  throw new VyaError(`no dump tool found: tried ${candidates.join(', ')}`, { code: 'TOOL_MISSING', hint: 'install mariadb-client (or mysql-client), or set dump_tool and client_tool' });
}
