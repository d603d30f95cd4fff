/**
 * An API as its own OS process (src/main.ts), as a replica runs in production: started on an ephemeral
 * port, its JSON log kept for assertions, stopped with a signal (SIGKILL for crash tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** Every log line (parsed JSON) so far. */
  logs: Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startApiProcess(env: Record<string, string>, port = 0): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--conditions=conveyor-src', '--import', 'tsx', MAIN], {
    env: { ...process.env, BCRYPT_COST: '4', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  let buffered = '';
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'API listening') resolve(String(entry.address));
        } catch {
          // not a log line
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`the API exited (${code}) before listening: ${stderr}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const url = await listening;
    return {
      url,
      child,
      logs,
      async stop(signal = 'SIGTERM') {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill(signal);
        await exited;
      },
    };
  } finally {
    clearTimeout(timeout);
  }
}

/** A tiny JSON client for one API. */
export function client(baseUrl: string, headers: Record<string, string> = {}) {
  return async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...headers, ...extra, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely, asserting what they need
    return { status: res.status, json: json as Record<string, any> };
  };
}
