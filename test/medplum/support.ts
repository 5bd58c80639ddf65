import { spawn } from 'node:child_process';
import path from 'node:path';

/** ../shared/tools/medplum: a real Medplum 4.5.2 server (PostgreSQL, Redis) started on this machine. */
export const MEDPLUM_TOOL = path.resolve(__dirname, '../../../shared/tools/medplum/medplum.sh');

export interface MedplumProject {
  baseUrl: string;
  accessToken: string;
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
}

export interface RunningMedplum {
  /** The project whose transactions are atomic (feature `transaction-bundles`). */
  atomic: MedplumProject;
  /** The project that applies transactions entry by entry (200 with per-entry statuses). */
  nonatomic: MedplumProject;
  stop(): Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [MEDPLUM_TOOL, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`medplum.sh ${args.join(' ')} took more than ${timeoutMs / 1000} s:\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function exportsOf(stdout: string): MedplumProject {
  const values = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, (m[2] as string).replace(/^['"]|['"]$/g, '')]));
  const need = (name: string): string => {
    const value = values[name];
    if (!value) throw new Error(`medplum.sh printed no ${name}`);
    return value;
  };
  return { baseUrl: need('MEDPLUM_BASE_URL'), accessToken: need('MEDPLUM_ACCESS_TOKEN'), clientId: need('MEDPLUM_CLIENT_ID'), clientSecret: need('MEDPLUM_CLIENT_SECRET'), tokenUrl: need('MEDPLUM_TOKEN_URL') };
}

/**
 * Starts Medplum (first start on a machine: about 2 minutes, later ones seconds) and returns both
 * projects' credentials. It is stopped afterwards only if this call started it: a developer's
 * running instance is left running.
 */
export async function startMedplum(): Promise<RunningMedplum> {
  const env = { ...process.env };
  const wasRunning = (await run(['status'], env, 60_000)).code === 0;
  const started = await run(['start'], env, 14 * 60_000);
  if (started.code !== 0) throw new Error(`medplum.sh start failed (exit ${String(started.code)}):\n${started.stderr.slice(-4000)}`);
  const nonatomic = await run(['env'], { ...env, MEDPLUM_MODE: 'nonatomic' }, 60_000);
  if (nonatomic.code !== 0) throw new Error(`medplum.sh env (nonatomic) failed:\n${nonatomic.stderr.slice(-2000)}`);
  return {
    atomic: exportsOf(started.stdout),
    nonatomic: exportsOf(nonatomic.stdout),
    stop: async () => {
      if (!wasRunning) await run(['stop'], env, 120_000);
    },
  };
}
