import { homedir } from 'node:os';
import { expect } from 'chai';
import { apiMajor, apiVersion, definePlugin, isNotFound, isVyaError, NotFoundError, resolveConfigPath, VyaError } from '../src/index.js';

describe('@vya/plugin-api', () => {
  describe('isVyaError: errors are told apart by brand and shape, not by class identity', () => {
    it('knows its own errors and those of another copy of the package', () => {
      expect(isVyaError(new VyaError('x'))).to.equal(true);
      expect(isVyaError(new NotFoundError('gone'))).to.equal(true);
      // What another copy's VyaError looks like to this one: same brand, different class.
      const foreign = Object.assign(new Error('from another copy'), { [Symbol.for('vya.error')]: true, code: 'X', exitCode: 1 });
      expect(foreign instanceof VyaError).to.equal(false);
      expect(isVyaError(foreign)).to.equal(true);
      // An older copy without the brand still has the shape.
      expect(isVyaError(Object.assign(new Error('old copy'), { code: 'OLD', exitCode: 2 }))).to.equal(true);
    });

    it('does not take system errors or plain values for VyaErrors', () => {
      expect(isVyaError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }))).to.equal(false);
      for (const value of [undefined, null, 'VyaError', 42, {}]) expect(isVyaError(value)).to.equal(false);
    });

    it('isNotFound recognises a NOT_FOUND code from any copy', () => {
      expect(isNotFound(new NotFoundError('gone'))).to.equal(true);
      expect(isNotFound({ code: 'NOT_FOUND' })).to.equal(true);
      expect(isNotFound(new VyaError('other', { code: 'OTHER' }))).to.equal(false);
    });
  });

  describe('apiVersion and definePlugin', () => {
    it('apiMajor reads the major of versions and ranges', () => {
      expect(apiMajor(apiVersion)).to.equal(1);
      for (const [text, major] of [['^1.0.0', 1], ['~2.3.0', 2], ['>=3', 3], ['4.x', 4], ['10.1.2', 10]] as const) expect(apiMajor(text), text).to.equal(major);
      for (const text of ['*', 'latest', 'file:../x', '']) expect(apiMajor(text), text).to.equal(undefined);
    });

    it('definePlugin stamps the API version of the copy the plugin runs with', async () => {
      const contribution = await definePlugin({ sinks: [] })();
      expect(contribution).to.deep.equal({ apiVersion, sinks: [] });
    });
  });

  describe('resolveConfigPath', () => {
    it('expands ~, resolves relative paths against the config directory, keeps absolute ones', () => {
      expect(resolveConfigPath('/etc/vya', '~')).to.equal(homedir());
      expect(resolveConfigPath('/etc/vya', '~/backups')).to.equal(`${homedir()}/backups`);
      expect(resolveConfigPath('/etc/vya', 'repo')).to.equal('/etc/vya/repo');
      expect(resolveConfigPath('/etc/vya', '../srv/repo')).to.equal('/etc/srv/repo');
      expect(resolveConfigPath('/etc/vya', '/srv/repo')).to.equal('/srv/repo');
      expect(resolveConfigPath('/etc/vya', '~other/x')).to.equal('/etc/vya/~other/x');
    });
  });
});
