import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { bundledUrl, readOclifBundle } from '../../src/bundled-oclif.js';
import { tempDir } from '../support/cli.js';

describe('oclif loaded from its bundle (src/bundled-oclif.ts)', () => {
  async function layout(installed: unknown, bundled: unknown): Promise<{ bundleDir: string; corePackageUrl: string; cleanup: () => Promise<void> }> {
    const dir = await tempDir();
    const core = join(dir.path, 'node_modules', '@oclif', 'core');
    const bundle = join(dir.path, 'dist', 'oclif');
    await mkdir(core, { recursive: true });
    await mkdir(bundle, { recursive: true });
    if (installed !== undefined) await writeFile(join(core, 'package.json'), JSON.stringify(installed));
    if (bundled !== undefined) await writeFile(join(bundle, 'bundled-from.json'), typeof bundled === 'string' ? bundled : JSON.stringify(bundled));
    return { bundleDir: `${pathToFileURL(bundle).href}/`, corePackageUrl: pathToFileURL(join(core, 'package.json')).href, cleanup: dir.cleanup };
  }

  it('is used when it was built from the installed version', async () => {
    const at = await layout({ name: '@oclif/core', version: '5.1.9' }, { version: '5.1.9', entries: ['index', 'execute', 'util/ids'] });
    try {
      const bundle = readOclifBundle(at.bundleDir, at.corePackageUrl);
      expect(bundle?.coreRoot).to.equal(at.corePackageUrl.replace(/package\.json$/, ''));
      expect([...(bundle?.entries ?? [])]).to.deep.equal(['index', 'execute', 'util/ids']);
    } finally {
      await at.cleanup();
    }
  });

  it('is not used when missing, damaged or built from another version (an npm install without a build)', async () => {
    const cases: Array<[unknown, unknown]> = [
      [{ version: '5.2.0' }, { version: '5.1.9', entries: ['index'] }],
      [{ version: '5.1.9' }, undefined],
      [{ version: '5.1.9' }, '{"version": "5.1.9", "entr'],
      [{ version: '5.1.9' }, { version: '5.1.9' }],
      [{}, { entries: ['index'] }],
      [undefined, { version: '5.1.9', entries: ['index'] }],
    ];
    for (const [installed, bundled] of cases) {
      const at = await layout(installed, bundled);
      try {
        expect(readOclifBundle(at.bundleDir, at.corePackageUrl), JSON.stringify([installed, bundled])).to.equal(undefined);
      } finally {
        await at.cleanup();
      }
    }
  });

  it("sends what Node resolved to vya's own copy to the bundle's entry, and nothing else", () => {
    const coreRoot = 'file:///opt/vya/node_modules/@oclif/core/';
    const bundle = { coreRoot, bundleDir: 'file:///opt/vya/dist/oclif/', entries: new Set(['index', 'execute', 'util/ids']) };
    expect(bundledUrl(bundle, '@oclif/core', `${coreRoot}lib/index.js`)).to.equal('file:///opt/vya/dist/oclif/index.js');
    expect(bundledUrl(bundle, '@oclif/core/execute', `${coreRoot}lib/execute.js`)).to.equal('file:///opt/vya/dist/oclif/execute.js');
    expect(bundledUrl(bundle, '@oclif/core/util/ids', `${coreRoot}lib/util/ids.js`)).to.equal('file:///opt/vya/dist/oclif/util/ids.js');
    // A plugin's own copy of oclif, another version, stays its own.
    expect(bundledUrl(bundle, '@oclif/core', 'file:///home/u/.local/share/vya/node_modules/x/node_modules/@oclif/core/lib/index.js')).to.equal(undefined);
    // What the bundle has no entry for: oclif's package.json, a later version's new export.
    expect(bundledUrl(bundle, '@oclif/core/package.json', `${coreRoot}package.json`)).to.equal(undefined);
    expect(bundledUrl(bundle, '@oclif/core/newer', `${coreRoot}lib/newer.js`)).to.equal(undefined);
    // Not oclif at all, even when resolved under its directory.
    expect(bundledUrl(bundle, './lib/index.js', `${coreRoot}lib/index.js`)).to.equal(undefined);
    expect(bundledUrl(bundle, '@oclif/core-extra', `${coreRoot}lib/index.js`)).to.equal(undefined);
  });
});
