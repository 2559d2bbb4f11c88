// Deprecated: `vya/plugin-api` is kept so plugins written against it still load. New plugins
// import `@vya/plugin-api`, which has no dependency on the CLI.
export * from '@vya/plugin-api';
