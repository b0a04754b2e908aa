/**
 * The one-way import rule of docs/architecture.md, checked by dependency-cruiser (test/architecture.test.ts).
 * Layers from the top: entry points and commands/ -> interactions/ -> discord/ and ops/ -> the engine
 * (jobs -> refs -> limits -> validation -> apimart, in that order) -> models, config, log, store, util.
 * A module may import its own layer's later members and any lower layer, never anything above it.
 */
const layers = [
  { name: 'entry', path: '^(commands/|src/(main|sharded|deploy-commands|app|boot)\\.ts$)' },
  { name: 'interactions', path: '^src/interactions/' },
  { name: 'adapter', path: '^src/(discord|ops)/' },
  { name: 'jobs', path: '^src/jobs/' },
  { name: 'refs', path: '^src/refs/' },
  { name: 'limits', path: '^src/limits/' },
  { name: 'validation', path: '^src/validation/' },
  { name: 'apimart', path: '^src/apimart/' },
  { name: 'base', path: '^src/(models\\.ts|config/|log\\.ts|store/|util/)' },
];

const upward = [];
layers.forEach((lower, i) => {
  const higher = layers.slice(0, i).map((l) => `(${l.path})`).join('|');
  if (higher) upward.push({ name: `no-upward-from-${lower.name}`, severity: 'error', comment: `${lower.name} may not import a higher layer`, from: { path: lower.path }, to: { path: higher } });
});

module.exports = {
  forbidden: [
    ...upward,
    { name: 'no-circular', severity: 'error', comment: 'no import cycles', from: {}, to: { circular: true } },
    { name: 'src-not-tests', severity: 'error', comment: 'production code never imports tests or benchmarks', from: { path: '^(src|commands)/' }, to: { path: '^(test|bench)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|test|bench)/' },
  },
};
