import type { en } from './en';

/** CLDR plural categories besides `other`, the one every language has. */
type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many';

/** Keys of `T` that English words per plural form: `<base>_other` present. */
type PluralBase<T> = { [K in keyof T]: K extends `${infer B}_other` ? B : never }[keyof T];

/**
 * A translation of the English resource `T`: the same keys, strings for strings. A plural message needs its
 * `_other` form; which of the other forms it needs depends on the language (Intl.PluralRules), so those are
 * optional here and required by the test.
 */
export type Translation<T> = {
  [K in keyof T as K extends `${PluralBase<T> & string}_${PluralSuffix}` ? never : K]: T[K] extends string ? string : Translation<T[K]>;
} & { [K in `${PluralBase<T> & string}_${PluralSuffix}`]?: string };

export type Resource = Translation<typeof en>;
