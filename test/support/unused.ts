/** A port a test does not expect to be used: any use fails the test, naming the port and the member. */
export function unused<T extends object>(port: string): T {
  return new Proxy({} as T, {
    get: (_, key) => {
      throw new Error(`${port} used unexpectedly (${String(key)})`);
    },
  });
}
