import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { VyaCommand } from '../../base-command.js';
import { PLUGIN_KINDS, type PluginKind } from '../../core/scaffold/plugin-name.js';
import { scaffoldPlugin } from '../../core/scaffold/scaffold-plugin.js';

/** The dev tools a generated package names, at the ranges vya itself is built and tested with. */
const TOOLS = ['@types/mocha', '@types/node', 'chai', 'json-schema-to-ts', 'mocha', 'tsx', 'typescript'];

export default class PluginsNew extends VyaCommand {
  static override summary = 'Write a new plugin package (sink, source, notifier or secret store), ready to build and test.';
  static override description = 'NAME becomes the config type and the package vya-plugin-NAME. The package declares the vya:register hook, runs the conformance suite of its kind with `npm test`, and installs with `vya plugins install` once packed. See docs/plugin-authors.md.';
  static override examples = ['<%= config.bin %> plugins new sink ftp', '<%= config.bin %> plugins new secret-store team-vault --dir ~/src/vya-plugin-team-vault'];
  static override args = {
    kind: Args.string({ description: 'What the plugin provides.', required: true, options: [...PLUGIN_KINDS] }),
    name: Args.string({ description: 'The type name (lowercase letters, digits, dashes).', required: true }),
  };
  static override flags = {
    dir: Flags.string({ summary: 'Directory to create the package in (default: ./vya-plugin-NAME).' }),
  };

  async run(): Promise<{ dir: string; files: string[] }> {
    const { args, flags } = await this.parse(PluginsNew);
    const dir = resolve(flags.dir ?? `vya-plugin-${args.name}`);
    const files = await scaffoldPlugin({
      kind: args.kind as PluginKind,
      name: args.name,
      dir,
      templatesDir: resolve(this.config.root, 'templates', 'plugin'),
      ranges: this.toolRanges(),
    });
    this.log(`wrote vya-plugin-${args.name} (${args.kind}) in ${dir}:`);
    for (const file of files) this.log(`  ${file}`);
    this.log(`next: cd ${dir} && npm install && npm test, then npm pack and vya plugins install ./vya-plugin-${args.name}-0.1.0.tgz`);
    return { dir, files };
  }

  private toolRanges(): Record<string, string> {
    const own = { ...this.config.pjson.dependencies, ...this.config.pjson.devDependencies } as Record<string, string>;
    return Object.fromEntries(TOOLS.map((name) => [name, own[name] ?? 'latest']));
  }
}
