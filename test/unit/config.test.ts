import { expect } from 'chai';
import { apiVersion, definePlugin, resolveConfigPath, silentLogger, type PluginContribution } from '@vya/plugin-api';
import { ConfigDocument } from '../../src/core/config/config-document.js';
import { ConfigError } from '../../src/core/config/config-error.js';
import { checkConfig } from '../../src/core/config/load-config.js';
import { parseSecretReference, resolveSecretReferences } from '../../src/core/config/secret-refs.js';
import { Registry } from '../../src/core/registry.js';

const contribution: PluginContribution = {
  sources: [
    {
      type: 'files',
      description: 'test files',
      configSchema: { type: 'object', additionalProperties: false, required: ['paths'], properties: { paths: { type: 'array', items: { type: 'string' } } } },
      create: () => ({}) as never,
    },
  ],
  sinks: [
    {
      type: 'local',
      description: 'test local',
      configSchema: { type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string' } } },
      create: () => ({}) as never,
    },
  ],
  notifiers: [
    {
      type: 'hook',
      description: 'test webhook',
      configSchema: { type: 'object', additionalProperties: false, required: ['url'], properties: { url: { type: 'string', pattern: '^https?://' } } },
      create: () => ({}) as never,
    },
  ],
};

const registry = new Registry([{ plugin: { name: '@vya/plugin-test', version: '1.0.0' }, contribution }]);

function problemsOf(yaml: string): string[] {
  try {
    checkConfig(ConfigDocument.parse(yaml, 'vya.yml'), registry);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const valid = `
sources:
  app: { type: files, paths: [/srv] }
sinks:
  disk: { type: local, path: /backups }
jobs:
  nightly: { source: app, sink: disk, compression: { algorithm: zstd, level: 3 } }
`;

describe('config validation', () => {
  it('accepts a valid config', () => {
    expect(problemsOf(valid)).to.deep.equal([]);
  });

  it('accepts the same config written as JSON', () => {
    const json = JSON.stringify({ sources: { app: { type: 'files', paths: ['/srv'] } }, sinks: { disk: { type: 'local', path: '/b' } }, jobs: { n: { source: 'app', sink: 'disk' } } });
    expect(problemsOf(json)).to.deep.equal([]);
  });

  it('names file, line, column and path of a wrong type', () => {
    const problems = problemsOf(valid.replace('level: 3', 'level: high'));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.equal('vya.yml:7:78: jobs.nightly.compression.level: must be an integer');
  });

  it('points at an unknown key itself', () => {
    const problems = problemsOf(valid.replace('sink: disk,', 'sink: disk, retain: 3,'));
    expect(problems[0]).to.match(/^vya\.yml:7:\d+: jobs\.nightly\.retain: unknown key$/);
  });

  it('reports enum choices', () => {
    expect(problemsOf(valid.replace('algorithm: zstd', 'algorithm: lzma'))[0]).to.match(/compression\.algorithm: must be one of: zstd, gzip, none/);
  });

  it("validates each instance against its plugin's schema, with the position in the file", () => {
    const problems = problemsOf(valid.replace('paths: [/srv]', 'paths: [/srv], depth: 2'));
    expect(problems[0]).to.match(/^vya\.yml:3:\d+: sources\.app\.depth: unknown key$/);
  });

  it('names the plugin that provides an unknown type', () => {
    const problems = problemsOf(valid.replace('type: local', 'type: s3'));
    expect(problems[0]).to.match(/^vya\.yml:5:\d+: unknown sink type "s3" \(type "s3" is provided by @vya\/plugin-s3: vya plugins install @vya\/plugin-s3/);
  });

  it('says when a type is unknown to every plugin', () => {
    expect(problemsOf(valid.replace('type: local', 'type: tape'))[0]).to.match(/unknown sink type "tape" \(no known plugin provides it; installed sink types: local\)/);
  });

  it('checks that jobs refer to defined sources, sinks and notifiers', () => {
    const problems = problemsOf(valid.replace('source: app', 'source: ap').replace('sink: disk,', 'sink: disk, notify: [ops],'));
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/jobs\.nightly\.source: no source named "ap" \(defined: app\)/);
    expect(problems[1]).to.match(/jobs\.nightly\.notify\[0\]: no notifier named "ops"/);
  });

  it('takes several sinks as sinks: [a, b]; the first is the job\'s sink; both keys, neither, a repeat or an unknown name is an error', () => {
    const two = valid.replace('  disk: { type: local, path: /backups }', '  disk: { type: local, path: /backups }\n  far: { type: local, path: /far }');
    const loaded = checkConfig(ConfigDocument.parse(two.replace('sink: disk,', 'sinks: [far, disk],'), 'vya.yml'), registry);
    expect(loaded.config.jobs.nightly).to.deep.include({ sink: 'far', sinks: ['far', 'disk'] });
    expect(problemsOf(two.replace('sink: disk,', 'sink: disk, sinks: [far],'))).to.deep.equal(['vya.yml:8:46: jobs.nightly: set either "sink" or "sinks", not both (one sink: sink: NAME; several: sinks: [A, B])']);
    expect(problemsOf(two.replace('sink: disk,', ''))[0]).to.match(/jobs\.nightly: missing required key "sink" \(or "sinks" for several\)/);
    expect(problemsOf(two.replace('sink: disk,', 'sinks: [disk, disk],'))[0]).to.match(/jobs\.nightly\.sinks: must NOT have duplicate items/);
    expect(problemsOf(two.replace('sink: disk,', 'sinks: [disk, farr],'))).to.deep.equal(['vya.yml:8:41: jobs.nightly.sinks[1]: no sink named "farr" (defined: disk, far)']);
    expect(problemsOf(two.replace('sink: disk,', 'sinks: [],'))[0]).to.match(/jobs\.nightly\.sinks: /);
  });

  it('reports YAML syntax errors with a position', () => {
    expect(() => ConfigDocument.parse('sources:\n  app: { type: files\n', 'bad.yml')).to.throw(/^bad\.yml:\d+:\d+: not valid YAML\/JSON/);
  });

  it('rejects duplicate keys', () => {
    expect(() => ConfigDocument.parse('jobs: {}\njobs: {}\n', 'dup.yml')).to.throw(/dup\.yml:2:1: not valid YAML\/JSON/);
  });

  it('lets a secret reference stand for a value with a pattern, and checks the resolved value on create', async () => {
    const withHook = (url: string) => `${valid}notifiers:\n  slack: { type: hook, url: "${url}" }\n`;
    expect(problemsOf(withHook('secret:slack.url'))).to.deep.equal([]);
    expect(problemsOf(withHook('ftp://example.com'))).to.deep.equal(['vya.yml:9:29: notifiers.slack.url: does not match the expected form ^https?://']);
    const context = { name: 'slack', logger: silentLogger, configDir: '/', resolvePath: (path: string) => resolveConfigPath('/', path), stateDir: '/tmp', addSecret: () => undefined, privateTempDir: () => Promise.reject(new Error('not used by this test')) };
    const created = registry.create('notifiers', 'hook', { type: 'hook', url: 'ftp://token-xyz' }, context).then(() => undefined, (error: Error) => error);
    const error = (await created) as Error;
    expect(error.message).to.equal('notifier "slack": url does not match the expected form ^https?://');
    expect(error.message).to.not.include('token-xyz');
  });

  it('requires age recipients to look like age recipients', () => {
    expect(problemsOf(valid.replace('level: 3 }', 'level: 3 }, encryption: { recipients: [nope] }'))[0]).to.match(/encryption\.recipients\[0\]: does not match/);
  });
});

describe('secret references', () => {
  it('parses names that contain dots, taking the field after the last dot', () => {
    expect(parseSecretReference('secret:smtp-mail.example.org.password')).to.deep.equal({ name: 'smtp-mail.example.org', field: 'password' });
    expect(parseSecretReference('secret:pg.username')).to.deep.equal({ name: 'pg', field: 'username' });
    expect(parseSecretReference('plain text')).to.equal(undefined);
  });

  const store = {
    name: 'test',
    store: {
      get: async (name: string) => (name === 'pg' ? { name, username: 'u', password: 'p@ss', fields: { json: '{}' } } : undefined),
      set: async () => {},
      delete: async () => false,
      list: async () => [],
    },
  };

  it('replaces references deep in a config and reports each resolved value', async () => {
    const seen: string[] = [];
    const resolved = await resolveSecretReferences({ a: 'secret:pg.password', b: ['secret:pg.json', 'x'], c: 5, u: 'secret:pg.username' }, store, 'sources.pg', (s) => seen.push(s));
    expect(resolved).to.deep.equal({ a: 'p@ss', b: ['{}', 'x'], c: 5, u: 'u' });
    expect(seen).to.deep.equal(['p@ss', '{}']);
  });

  it('fails with the name, the store and the path when a secret is missing', async () => {
    const error = await resolveSecretReferences({ password: 'secret:nope.password' }, store, 'sources.pg', () => {}).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.equal('sources.pg.password: secret "nope" does not exist in secret store "test"');
  });
});

describe('definePlugin', () => {
  it('returns a hook that answers the contribution, stamped with the plugin API version', async () => {
    expect(await definePlugin(contribution)()).to.deep.equal({ apiVersion, ...contribution });
  });
});
