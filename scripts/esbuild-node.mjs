// The esbuild options vya's bundles share (dist/cli, dist/oclif): ES modules for Node 22.
export const NODE_ESM = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  logLevel: 'warning',
};

// For a bundle that holds CommonJS code: it calls require() (Node's built-ins, and files loaded
// by computed paths) and reads __filename and __dirname, which an ES module does not have.
export const COMMONJS_GLOBALS = {
  js: [
    "import { createRequire as __vyaCreateRequire } from 'node:module';",
    "import { fileURLToPath as __vyaFileURLToPath } from 'node:url';",
    'const require = __vyaCreateRequire(import.meta.url);',
    'const __filename = __vyaFileURLToPath(import.meta.url);',
    "const __dirname = __vyaFileURLToPath(new URL('.', import.meta.url));",
  ].join('\n'),
};
