import { Flags } from '@oclif/core';
import { VyaCommand } from '../../base-command.js';
import { loadRegistry } from '../../core/plugin-loader.js';
import { describePlugins, type ListedPlugin } from '../../core/plugin-listing.js';

export default class Plugins extends VyaCommand {
  static override summary = 'List the vya plugins loaded: bundled, installed and linked, with versions.';
  static override description = 'With --types, also the source, sink, notifier, secret-store and report types each plugin provides. A plugin that failed to load is listed with the reason.';
  static override examples = ['<%= config.bin %> plugins', '<%= config.bin %> plugins --types', '<%= config.bin %> plugins --json'];
  static override flags = {
    types: Flags.boolean({ summary: 'Also list the types each plugin provides.' }),
  };

  async run(): Promise<ListedPlugin[]> {
    const { flags } = await this.parse(Plugins);
    const listed = describePlugins(await loadRegistry(this.config));
    for (const plugin of listed) {
      this.log(`${plugin.name} ${plugin.version} (${plugin.origin})${plugin.error ? `: not loaded: ${plugin.error}` : ''}`);
      if (!flags.types) continue;
      for (const [label, names] of Object.entries(plugin.types)) if (names.length > 0) this.log(`  ${label}: ${names.join(', ')}`);
    }
    return listed;
  }
}
