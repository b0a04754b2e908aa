import { afterAll, beforeAll } from 'vitest';
import { openStore, type KV } from '../../src/store/kv';

/**
 * Opens a store for one describe block and deletes the keys the tests registered, so runs sharing a Redis leave
 * nothing behind. Call inside `describe`.
 */
export function storeForSuite(url: () => string, skip: boolean): { readonly kv: KV; track(...keys: string[]): void } {
  let kv: KV | undefined;
  const keys: string[] = [];
  beforeAll(async () => {
    if (!skip) kv = await openStore(url());
  });
  afterAll(async () => {
    if (!kv) return;
    await Promise.all(keys.map((k) => kv!.delete(k)));
    await kv.close();
  });
  return {
    get kv() {
      if (!kv) throw new Error('store not open');
      return kv;
    },
    track: (...more) => void keys.push(...more),
  };
}
