import type mysql from 'mysql2/promise';

/** What a database holds, e.g. ['12 tables', '2 routines'], or undefined when it does not exist. */
export async function databaseContents(db: mysql.Connection, name: string): Promise<string[] | undefined> {
  const [schemas] = await db.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
  if (schemas.length === 0) return undefined;
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT
      (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW') AS \`table\`,
      (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'VIEW') AS \`view\`,
      (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) AS \`routine\`,
      (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?) AS \`event\``,
    [name, name, name, name],
  );
  return Object.entries(rows[0])
    .filter(([, count]) => Number(count) > 0)
    .map(([kind, count]) => `${String(count)} ${Number(count) === 1 ? kind : `${kind}s`}`);
}
