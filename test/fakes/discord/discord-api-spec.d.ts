// The package's "types" for its zod entry point is the generated JavaScript itself, which TypeScript does not
// read without allowJs; spec.ts looks its schemas up by name, so their names are all it needs.
declare module 'discord-api-spec/zod' {
  export function setStrictObject(strict: boolean): void;
}
