import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface StartedChild {
  child: ChildProcess;
  /** The first line the child printed on stdout (its "I am ready" line). */
  line: string;
  stderr: () => string;
}

/**
 * Runs a TypeScript file in a child process (tsx) and waits for its first stdout line: the
 * servers tests start this way print their URLs as JSON there. Rejects with the child's stderr
 * when it exits first or takes longer than `timeoutMs`.
 */
export async function startChild(script: string, options: { env: NodeJS.ProcessEnv; what: string; timeoutMs: number }): Promise<StartedChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${options.what} did not start: ${stderr}`)), options.timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const end = out.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, end));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.what} exited (${String(code)}): ${stderr}`));
    });
  });
  return { child, line, stderr: () => stderr };
}
