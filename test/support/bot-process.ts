import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { credentialsIssued } from '../fakes/discord';
import { assertNoSecrets, type Secret } from './secrets';

const ROOT = resolve(import.meta.dirname, '../..');
// By path: the bot runs in a scratch directory (its own data/ and no developer .env), where `tsx` does not resolve.
const TSX_LOADER = pathToFileURL(resolve(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface BotProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when a log line contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /**
   * Ends the process (if it still runs) and waits for its last output; then fails if that output holds the
   * bot token, the API key or any interaction token a fake Discord issued. Resolves to the exit code.
   */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** The exit code once the process has ended by itself (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** Runs the real `src/main.ts` as `npm start` does, in its own process, with the given environment. */
export function spawnBot(env: Record<string, string>, cwd: string, entry = 'src/main.ts'): BotProcess {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, resolve(ROOT, entry)], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // 'close' comes after the last output: checking at 'exit' could miss the final lines.
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const secrets = (): Secret[] => {
    const issued = credentialsIssued();
    return [
      { name: 'DISCORD_TOKEN', value: env.DISCORD_TOKEN ?? '' },
      { name: 'APIMART_API_KEY', value: env.APIMART_API_KEY ?? '' },
      ...issued.botTokens.map((value) => ({ name: 'bot token', value })),
      ...issued.interactionTokens.map((value) => ({ name: 'interaction token', value })),
    ];
  };
  return {
    child,
    exited,
    output: () => out,
    waitFor(text, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (out.includes(text)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`bot did not log "${text}" in ${timeoutMs} ms; output:\n${out.slice(-3000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      await closed;
      assertNoSecrets(out, secrets(), `bot process ${child.pid} (${entry})`);
      return code;
    },
  };
}

/** Ends every process, then fails with the first problem any of them had: one failure never leaves others running. */
export async function killAll(bots: readonly BotProcess[]): Promise<void> {
  const results = await Promise.allSettled(bots.map((b) => b.kill()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
