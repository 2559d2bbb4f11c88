import { expect } from 'chai';
import { convertLegacyConfig, cronFrom, filesFromGlobs } from '../../src/core/migrate/convert-legacy.js';

describe('legacy config conversion', () => {
  it('turns the weekly schedule (ISO days, Monday = 1) into cron', () => {
    expect(cronFrom('02:30', [1, 2, 3, 4, 5])).to.equal('30 2 * * 1,2,3,4,5');
    expect(cronFrom('23:05', [7])).to.equal('5 23 * * 0');
    expect(cronFrom('00:00', [1, 2, 3, 4, 5, 6, 7])).to.equal('0 0 * * *');
    expect(cronFrom('4:15', [])).to.equal('15 4 * * *');
    expect(() => cronFrom('2h30', [1])).to.throw(/is not HH:MM/);
  });

  it('turns file globs into directories, keeping narrower globs as includes', () => {
    expect(filesFromGlobs(['/srv/app/uploads/**/*'])).to.deep.equal([{ paths: ['/srv/app/uploads'] }]);
    expect(filesFromGlobs(['/var/www'])).to.deep.equal([{ paths: ['/var/www'] }]);
    expect(filesFromGlobs(['/srv/a/**/*.jpg', '/srv/a/**/*.png', '/srv/b/**/*.jpg'])).to.deep.equal([{ paths: ['/srv/a'], include: ['**/*.jpg', '**/*.png'] }, { paths: ['/srv/b'], include: ['**/*.jpg'] }]);
  });

  it('never lets one glob narrow another directory', () => {
    expect(filesFromGlobs(['/srv/app/uploads/**/*.jpg', '/etc/app/*'])).to.deep.equal([{ paths: ['/srv/app/uploads'], include: ['**/*.jpg'] }, { paths: ['/etc/app'] }]);
    expect(filesFromGlobs(['/srv/x/**/*.jpg', '/srv/x/**/*'])).to.deep.equal([{ paths: ['/srv/x'] }]);
    const legacy = { db_config: [{ id_dbms: 3, dbms: 'files', db_list: ['/srv/app/uploads/**/*.jpg', '/etc/app/*'] }] };
    const { config } = convertLegacyConfig(legacy, { vault: { type: 'vault-file', path: '/v' } });
    expect(config.sources).to.deep.include({ 'files-3': { type: 'files', paths: ['/srv/app/uploads'], include: ['**/*.jpg'] }, 'files-3-2': { type: 'files', paths: ['/etc/app'] } });
    expect(Object.keys(config.jobs)).to.deep.equal(['files-3', 'files-3-2']);
  });

  it('is deterministic and names secrets like the legacy vault ids', () => {
    const legacy = { db_config: [{ id_dbms: 7, dbms: 'postgresql', host: 'db', user: 'u', secret: 'p', db_ignore: 'a, b' }] };
    const first = convertLegacyConfig(legacy, { vault: { type: 'vault-file', path: '/v' } });
    expect(convertLegacyConfig(legacy, { vault: { type: 'vault-file', path: '/v' } })).to.deep.equal(first);
    expect(first.secrets).to.deep.equal([{ name: 'postgresql-7', username: 'u', password: 'p', description: 'postgresql db: (migrated)' }]);
    expect(first.config.sources['postgresql-7']).to.deep.include({ username: 'secret:postgresql-7.username', exclude: ['a', 'b'] });
    expect(JSON.stringify(first.config)).to.not.include('"p"');
  });
});
