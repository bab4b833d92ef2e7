// Dependency rules of src/ (docs/architecture.md, "Layers"). `npm run depcheck` checks them;
// .ci/run fails on any violation. Type-only imports count: tsPreCompilationDeps below.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-knows-nothing-above',
      severity: 'error',
      comment: 'lib/ is code with no database and no feature: it imports only lib/ and packages.',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'db-knows-no-feature',
      severity: 'error',
      comment: 'db/ (engines, schema, migrations, driver errors) imports only db/, lib/ and config.ts.',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: ['^src/db/', '^src/lib/', '^src/config[.]ts$'] },
    },
    {
      name: 'contract-and-wire-stay-below-features',
      severity: 'error',
      comment: 'contract/ and wire/ describe and parse operations; they know no feature, database or outer layer.',
      from: { path: '^src/(contract|wire)/' },
      to: { path: '^src/', pathNot: ['^src/(contract|wire|lib)/'] },
    },
    {
      name: 'participant-is-below-the-other-features',
      severity: 'error',
      comment: 'participant/ imports no other feature (auth, webhooks, import), no seed and no outer layer.',
      from: { path: '^src/participant/' },
      to: { path: '^src/(auth|webhooks|import|seed|http|cli)/' },
    },
    {
      name: 'idempotency-is-below-participant',
      severity: 'error',
      comment: 'idempotency/ (Idempotency-Key claims, stored answers, replays) is used by participant/ and http/; it imports no feature and no outer layer.',
      from: { path: '^src/idempotency/' },
      to: { path: '^src/(participant|auth|webhooks|import|seed|http|cli)/' },
    },
    {
      name: 'features-know-no-outer-layer',
      severity: 'error',
      comment: 'Features (participant, auth, webhooks, import) and seed/ never import http/ or cli/.',
      from: { path: '^src/(participant|auth|webhooks|import|seed)/' },
      to: { path: '^src/(http|cli)/' },
    },
    {
      name: 'http-and-cli-are-peers',
      severity: 'error',
      comment: 'http/ does not import cli/ (cli/ starts the server through http/).',
      from: { path: '^src/http/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 (the project's tsc) has no JS API that dependency-cruiser can load; swc parses
    // the sources before compilation, so type-only imports are seen (and counted) too.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: 'node_modules' },
  },
};
