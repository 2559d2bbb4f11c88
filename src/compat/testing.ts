// Deprecated: `vya/testing` is kept for plugins written against it. New plugins use
// `@vya/testing` as a devDependency (it is not part of the CLI's production install).
export * from '@vya/testing';
