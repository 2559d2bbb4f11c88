/**
 * A test double of a MongoDB server: the wire protocol (OP_MSG, and OP_QUERY for the driver's
 * first hello) over TCP, with the few commands vya's MongoDB plugin sends, backed by memory.
 * Documents are kept as the raw BSON bytes the client sent and returned as they are, so a
 * round trip through it is byte for byte. It is not MongoDB: no query language, no auth, no
 * validation; replies follow the shapes in MongoDB's command reference.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Binary, deserialize, Long, serialize, Timestamp, UUID, type Document } from 'bson';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

export interface FakeCollection {
  type: 'collection' | 'view' | 'timeseries';
  options: Document;
  uuid: UUID;
  documents: Buffer[];
  indexes: Document[];
}

export interface FakeMongoOptions {
  /** Report a replica set of one member with this name (snapshot reads allowed). */
  replicaSet?: string;
  version?: string;
  /** Commands (by name) that fail with Unauthorized, to test error paths. */
  unauthorized?: string[];
  /** Users (name → password) that must authenticate with SCRAM-SHA-256 before any other command. */
  users?: Record<string, string>;
}

/** Per-connection state: the SCRAM conversation and who is logged in. */
interface Connection {
  user?: string;
  scram?: { user: string; clientFirstBare: string; serverFirst: string; nonce: string; salt: Buffer };
}

const UNAUTHENTICATED_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'ping', 'endSessions', 'buildInfo', 'buildinfo']);
const SCRAM_ITERATIONS = 4096;

interface OpenCursor {
  ns: string;
  documents: Buffer[];
  position: number;
}

export class FakeMongoServer {
  readonly databases = new Map<string, Map<string, FakeCollection>>();
  /** Every command received, by name, for assertions. */
  readonly commands: Document[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly cursors = new Map<string, OpenCursor>();
  private nextCursorId = 1000n;
  private port = 0;

  constructor(private readonly options: FakeMongoOptions = {}) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  collection(db: string, name: string): FakeCollection | undefined {
    return this.databases.get(db)?.get(name);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const connection: Connection = {};
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        socket.write(this.handleMessage(message, connection));
      }
    });
  }

  private handleMessage(message: Buffer, connection: Connection): Buffer {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_QUERY) {
      // flags(4) fullCollectionName(cstring) numberToSkip(4) numberToReturn(4) query
      let offset = 20;
      while (message[offset] !== 0) offset++;
      offset += 1 + 8;
      const query = deserialize(message.subarray(offset, offset + message.readInt32LE(offset)));
      return opReply(requestId, Buffer.from(serialize(this.run(query, connection))));
    }
    if (opCode !== OP_MSG) throw new Error(`fake mongo: unsupported opCode ${opCode}`);
    const { body, sequences } = parseOpMsg(message);
    for (const [name, documents] of sequences) (body as Document)[name] = documents;
    return opMsg(requestId, this.reply(body, connection));
  }

  /** A reply document as bytes: cursor batches carry the stored raw documents untouched. */
  private reply(body: Document, connection: Connection): Buffer {
    const result = this.run(body, connection);
    if (result.cursor && (result.cursor.firstBatch || result.cursor.nextBatch)) {
      const batchKey = result.cursor.firstBatch ? 'firstBatch' : 'nextBatch';
      const batch = result.cursor[batchKey] as Buffer[];
      const { [batchKey]: _batch, ...cursorRest } = result.cursor as Document;
      const { cursor: _cursor, ...rest } = result;
      return concatDocument([element(0x03, 'cursor', concatDocument([element(0x04, batchKey, rawArray(batch)), elementsOf(serialize(cursorRest))])), elementsOf(serialize(rest))]);
    }
    return Buffer.from(serialize(result));
  }

  private run(command: Document, connection: Connection): Document {
    const name = Object.keys(command)[0];
    this.commands.push(command);
    if (this.options.users && !connection.user && !UNAUTHENTICATED_COMMANDS.has(name)) {
      return { ok: 0, errmsg: `command ${name} requires authentication`, code: 13, codeName: 'Unauthorized' };
    }
    if (name === 'saslStart' || name === 'saslContinue') {
      try {
        return name === 'saslStart' ? this.saslStart(command, connection) : this.saslContinue(command, connection);
      } catch {
        return { ok: 0, errmsg: 'Authentication failed.', code: 18, codeName: 'AuthenticationFailed' };
      }
    }
    if (this.options.unauthorized?.includes(name)) return { ok: 0, errmsg: `not authorized on ${command.$db} to execute command { ${name} }`, code: 13, codeName: 'Unauthorized' };
    try {
      return { ...this.execute(name, command), ...(this.options.replicaSet ? { $clusterTime: { clusterTime: this.clusterTime(), signature: { hash: new Binary(Buffer.alloc(20)), keyId: Long.fromNumber(0) } }, operationTime: this.clusterTime() } : {}) };
    } catch (error) {
      const e = error as { code?: number; codeName?: string; message: string };
      return { ok: 0, errmsg: e.message, code: e.code ?? 8, codeName: e.codeName ?? 'UnknownError' };
    }
  }

  /** SCRAM-SHA-256 (RFC 7677), server side: the first message, answered with salt and iterations. */
  private saslStart(command: Document, connection: Connection): Document {
    if (command.mechanism !== 'SCRAM-SHA-256') throw new Error('unsupported mechanism');
    const clientFirst = Buffer.from((command.payload as Binary).buffer).toString('utf8');
    const clientFirstBare = clientFirst.replace(/^n,,/, '');
    const user = /(?:^|,)n=([^,]*)/.exec(clientFirstBare)?.[1] ?? '';
    const clientNonce = /(?:^|,)r=([^,]*)/.exec(clientFirstBare)?.[1] ?? '';
    const nonce = clientNonce + randomBytes(18).toString('base64');
    const salt = randomBytes(16);
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
    connection.scram = { user: user.replace(/=2C/g, ',').replace(/=3D/g, '='), clientFirstBare, serverFirst, nonce, salt };
    return { conversationId: 1, done: false, payload: new Binary(Buffer.from(serverFirst)), ok: 1 };
  }

  private saslContinue(command: Document, connection: Connection): Document {
    const scram = connection.scram;
    const password = scram ? this.options.users?.[scram.user] : undefined;
    if (!scram || password === undefined) throw new Error('unknown user');
    const clientFinal = Buffer.from((command.payload as Binary).buffer).toString('utf8');
    const withoutProof = clientFinal.replace(/,p=[^,]*$/, '');
    const proof = Buffer.from(/,p=([^,]*)$/.exec(clientFinal)?.[1] ?? '', 'base64');
    if (!withoutProof.includes(`r=${scram.nonce}`)) throw new Error('nonce mismatch');
    const salted = pbkdf2Sync(password.normalize('NFKC'), scram.salt, SCRAM_ITERATIONS, 32, 'sha256');
    const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
    const clientKey = hmac(salted, 'Client Key');
    const authMessage = `${scram.clientFirstBare},${scram.serverFirst},${withoutProof}`;
    const signature = hmac(createHash('sha256').update(clientKey).digest(), authMessage);
    const expected = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
    if (proof.length !== expected.length || !timingSafeEqual(proof, expected)) throw new Error('wrong proof');
    connection.user = scram.user;
    connection.scram = undefined;
    const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return { conversationId: 1, done: true, payload: new Binary(Buffer.from(`v=${serverSignature.toString('base64')}`)), ok: 1 };
  }

  private clusterTime(): Timestamp {
    return new Timestamp({ t: 1_700_000_000, i: 7 });
  }

  private execute(name: string, command: Document): Document {
    const db = String(command.$db ?? 'admin');
    switch (name) {
      case 'hello':
      case 'isMaster':
      case 'ismaster':
        return { ...this.hello(name !== 'hello'), ...(this.options.users && command.saslSupportedMechs ? { saslSupportedMechs: ['SCRAM-SHA-256'] } : {}) };
      case 'buildInfo':
      case 'buildinfo':
        return { version: this.options.version ?? '7.0.99-fake', versionArray: [7, 0, 99, 0], maxBsonObjectSize: 16 * 1024 * 1024, ok: 1 };
      case 'ping':
      case 'endSessions':
        return { ok: 1 };
      case 'listDatabases':
        return { databases: [...this.databases.keys()].sort().map((n) => ({ name: n, sizeOnDisk: 4096, empty: false })), totalSize: 4096, ok: 1 };
      case 'listCollections':
        return this.listCollections(db, command);
      case 'listIndexes':
        return this.cursorReply(`${db}.$cmd.listIndexes.${command.listIndexes}`, this.existing(db, command.listIndexes).indexes.map((i) => Buffer.from(serialize(i))), undefined);
      case 'find':
        return this.find(db, command);
      case 'getMore':
        return this.getMore(command);
      case 'killCursors':
        for (const id of command.cursors as unknown[]) this.cursors.delete(String(id));
        return { cursorsKilled: command.cursors, cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
      case 'create':
        return this.create(db, command);
      case 'insert':
        return this.insert(db, command);
      case 'createIndexes':
        return this.createIndexes(db, command);
      case 'drop':
        this.existing(db, command.drop);
        this.databases.get(db)?.delete(command.drop);
        return { nIndexesWas: 1, ns: `${db}.${command.drop}`, ok: 1 };
      case 'dropDatabase':
        this.databases.delete(db);
        return { ok: 1 };
      default:
        throw Object.assign(new Error(`no such command: '${name}'`), { code: 59, codeName: 'CommandNotFound' });
    }
  }

  private hello(legacy: boolean): Document {
    const me = `127.0.0.1:${this.port}`;
    const common = { maxBsonObjectSize: 16 * 1024 * 1024, maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 100_000, localTime: new Date(), logicalSessionTimeoutMinutes: 30, connectionId: 1, minWireVersion: 0, maxWireVersion: 21, readOnly: false, helloOk: true, ok: 1 };
    const primary = legacy ? { ismaster: true } : { isWritablePrimary: true };
    if (!this.options.replicaSet) return { ...primary, ...common };
    return { ...primary, ...common, setName: this.options.replicaSet, setVersion: 1, hosts: [me], primary: me, me, secondary: false };
  }

  private listCollections(db: string, command: Document): Document {
    const filterName = (command.filter as Document | undefined)?.name as string | undefined;
    const entries = [...(this.databases.get(db) ?? new Map<string, FakeCollection>()).entries()].filter(([n]) => filterName === undefined || n === filterName);
    const infos = entries.map(([n, c]) =>
      command.nameOnly ? { name: n, type: c.type } : { name: n, type: c.type, options: c.options, info: { readOnly: c.type === 'view', ...(c.type === 'view' ? {} : { uuid: c.uuid }) }, ...(c.type === 'collection' ? { idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } } : {}) },
    );
    return this.cursorReply(`${db}.$cmd.listCollections`, infos.map((i) => Buffer.from(serialize(i))), undefined);
  }

  private find(db: string, command: Document): Document {
    const collection = this.databases.get(db)?.get(command.find);
    let documents = collection ? collection.documents : [];
    if (typeof command.limit === 'number' || command.limit instanceof Long) documents = documents.slice(0, Number(command.limit) || undefined);
    const readConcern = command.readConcern as Document | undefined;
    if (readConcern?.level === 'snapshot' && !this.options.replicaSet) {
      throw Object.assign(new Error('readConcern level snapshot is only valid in multi-statement transactions or on replica sets'), { code: 72, codeName: 'InvalidOptions' });
    }
    const atClusterTime = readConcern?.level === 'snapshot' ? this.clusterTime() : undefined;
    return this.cursorReply(`${db}.${command.find}`, documents, command.batchSize === undefined ? 101 : Number(command.batchSize), atClusterTime);
  }

  private cursorReply(ns: string, documents: Buffer[], batchSize: number | undefined, atClusterTime?: Timestamp): Document {
    const first = batchSize === undefined || batchSize === 0 ? documents : documents.slice(0, batchSize);
    let id = 0n;
    if (first.length < documents.length) {
      id = this.nextCursorId++;
      this.cursors.set(id.toString(), { ns, documents, position: first.length });
    }
    return { cursor: { firstBatch: first, id: Long.fromBigInt(id), ns, ...(atClusterTime ? { atClusterTime } : {}) }, ok: 1 };
  }

  private getMore(command: Document): Document {
    const id = String(command.getMore);
    const cursor = this.cursors.get(id);
    if (!cursor) throw Object.assign(new Error(`cursor id ${id} not found`), { code: 43, codeName: 'CursorNotFound' });
    const size = command.batchSize ? Number(command.batchSize) : 1000;
    const batch = cursor.documents.slice(cursor.position, cursor.position + size);
    cursor.position += batch.length;
    const done = cursor.position >= cursor.documents.length;
    if (done) this.cursors.delete(id);
    return { cursor: { nextBatch: batch, id: Long.fromString(done ? '0' : id), ns: cursor.ns }, ok: 1 };
  }

  private create(db: string, command: Document): Document {
    const { create: name, $db: _db, lsid: _lsid, $clusterTime: _ct, $readPreference: _rp, writeConcern: _wc, ...options } = command;
    const collections = this.databaseFor(db);
    if (collections.has(name)) throw Object.assign(new Error(`Collection ${db}.${name} already exists.`), { code: 48, codeName: 'NamespaceExists' });
    const type = options.viewOn ? 'view' : options.timeseries ? 'timeseries' : 'collection';
    collections.set(name, { type, options, uuid: new UUID(), documents: [], indexes: type === 'collection' ? [{ v: 2, key: { _id: 1 }, name: '_id_' }] : [] });
    if (type === 'timeseries') collections.set(`system.buckets.${name}`, { type: 'collection', options: { validator: {}, clusteredIndex: true, timeseries: options.timeseries }, uuid: new UUID(), documents: [], indexes: [] });
    return { ok: 1 };
  }

  private insert(db: string, command: Document): Document {
    let collection = this.databases.get(db)?.get(command.insert);
    if (!collection) {
      this.create(db, { create: command.insert });
      collection = this.existing(db, command.insert);
    }
    if (collection.type === 'view') throw Object.assign(new Error('Namespace is a view, not a collection'), { code: 166, codeName: 'CommandNotSupportedOnView' });
    const documents = (command.documents as (Buffer | Document)[]).map((d) => (Buffer.isBuffer(d) ? d : Buffer.from(serialize(d))));
    collection.documents.push(...documents);
    return { n: documents.length, ok: 1 };
  }

  private createIndexes(db: string, command: Document): Document {
    const collection = this.existing(db, command.createIndexes);
    const before = collection.indexes.length;
    for (const index of command.indexes as Document[]) if (!collection.indexes.some((i) => i.name === index.name)) collection.indexes.push({ v: 2, ...index });
    return { numIndexesBefore: before, numIndexesAfter: collection.indexes.length, createdCollectionAutomatically: false, ok: 1 };
  }

  private existing(db: string, name: string): FakeCollection {
    const collection = this.databases.get(db)?.get(name);
    if (!collection) throw Object.assign(new Error(`ns does not exist: ${db}.${name}`), { code: 26, codeName: 'NamespaceNotFound' });
    return collection;
  }

  private databaseFor(db: string): Map<string, FakeCollection> {
    let collections = this.databases.get(db);
    if (!collections) this.databases.set(db, (collections = new Map()));
    return collections;
  }
}

/** Body (kind 0) and document sequences (kind 1, raw documents kept as bytes) of an OP_MSG. */
function parseOpMsg(message: Buffer): { body: Document; sequences: Map<string, Buffer[]> } {
  const flags = message.readUInt32LE(16);
  const end = message.length - (flags & 1 ? 4 : 0);
  let offset = 20;
  let body: Document | undefined;
  const sequences = new Map<string, Buffer[]>();
  while (offset < end) {
    const kind = message[offset++];
    const size = message.readInt32LE(offset);
    if (kind === 0) {
      body = deserialize(message.subarray(offset, offset + size));
      offset += size;
      continue;
    }
    const sectionEnd = offset + size;
    let cursor = offset + 4;
    const nameEnd = message.indexOf(0, cursor);
    const name = message.toString('utf8', cursor, nameEnd);
    cursor = nameEnd + 1;
    const documents: Buffer[] = [];
    while (cursor < sectionEnd) {
      const length = message.readInt32LE(cursor);
      documents.push(Buffer.from(message.subarray(cursor, cursor + length)));
      cursor += length;
    }
    sequences.set(name, documents);
    offset = sectionEnd;
  }
  if (!body) throw new Error('fake mongo: OP_MSG without a body section');
  return { body, sequences };
}

function header(length: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(16);
  buffer.writeInt32LE(length, 0);
  buffer.writeInt32LE(randomBytes(3).readUIntLE(0, 3), 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
  return buffer;
}

function opMsg(responseTo: number, body: Buffer): Buffer {
  const length = 16 + 4 + 1 + body.length;
  return Buffer.concat([header(length, responseTo, OP_MSG), Buffer.alloc(4), Buffer.from([0]), body]);
}

function opReply(responseTo: number, body: Buffer): Buffer {
  const fixed = Buffer.alloc(20);
  fixed.writeInt32LE(8, 0); // AwaitCapable
  fixed.writeInt32LE(1, 16); // numberReturned
  return Buffer.concat([header(16 + 20 + body.length, responseTo, OP_REPLY), fixed, body]);
}

/** The elements of a serialized document, without its length prefix and trailing zero. */
function elementsOf(document: Uint8Array): Buffer {
  return Buffer.from(document.subarray(4, document.length - 1));
}

function element(type: number, key: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), Buffer.from(key, 'utf8'), Buffer.from([0]), value]);
}

function concatDocument(elements: Buffer[]): Buffer {
  const body = Buffer.concat(elements);
  const length = Buffer.alloc(4);
  length.writeInt32LE(body.length + 5, 0);
  return Buffer.concat([length, body, Buffer.from([0])]);
}

function rawArray(documents: Buffer[]): Buffer {
  return concatDocument(documents.map((doc, index) => element(0x03, String(index), doc)));
}
