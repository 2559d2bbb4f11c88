import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Config } from '@oclif/core/config';
import { expect } from 'chai';
import { loadCliConfig, pluginDependencies } from '../../src/cli-config.js';
import { repoRoot, vyaBin } from '../support/cli.js';

describe("the CLI's oclif configuration, loaded without matching every dependency against every plugin name", function () {
  this.timeout(30_000);

  it('finds the same plugins as oclif reading package.json itself, and keeps the real dependencies', async () => {
    const quick = await loadCliConfig(pathToFileURL(vyaBin).href);
    const plain = await Config.load({ root: repoRoot });
    // oclif loads plugins concurrently: their order in the map is the order they finished in.
    expect([...quick.plugins.keys()].sort()).to.deep.equal([...plain.plugins.keys()].sort());
    expect([...quick.plugins.keys()]).to.include.members(['@vya/plugin-files', '@vya/plugin-postgres', '@oclif/plugin-plugins']);
    expect([...quick.commandIDs].sort()).to.deep.equal([...plain.commandIDs].sort());
    const pjson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(quick.pjson.dependencies).to.deep.equal(pjson.dependencies);
    expect(quick.root).to.equal(plain.root);
  });

  it('hands oclif only the dependencies named as plugins, and all of them when a name is a pattern', () => {
    const dependencies = { '@oclif/core': '1', '@oclif/plugin-help': '1', yaml: '2', '@vya/plugin-files': '*' };
    expect(pluginDependencies({ dependencies, oclif: { plugins: ['@oclif/plugin-help', '@vya/plugin-files'] } })).to.deep.equal({ '@oclif/plugin-help': '1', '@vya/plugin-files': '*' });
    expect(pluginDependencies({ dependencies, oclif: { plugins: ['@vya/plugin-*'] } })).to.equal(dependencies);
    expect(pluginDependencies({ dependencies, oclif: { plugins: ['@oclif/plugin-{help,plugins}'] } })).to.equal(dependencies);
    expect(pluginDependencies({ dependencies })).to.deep.equal({});
    expect(pluginDependencies({ oclif: { plugins: ['x'] } })).to.equal(undefined);
  });
});
