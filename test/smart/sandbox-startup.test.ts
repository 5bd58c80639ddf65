import path from 'node:path';
import { startChild } from '../support/child';

interface ProbeResult {
  first: { status: number | 'no answer'; retryAfter?: string };
  answeredWhileStarting: boolean;
  after: { status: number | 'no answer' };
}

describe('sandbox start-up', () => {
  it('answers a connection accepted while it is still starting (503 with Retry-After), then serves', async () => {
    const { child, line } = await startChild(path.resolve(__dirname, 'support/sandbox-startup-probe.ts'), {
      env: { ...process.env, ELIGO_LOG_LEVEL: 'warn' },
      what: 'the sandbox start-up probe',
      timeoutMs: 60_000,
    });
    const result = JSON.parse(line) as ProbeResult;
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    // 'no answer' here is the defect: a connection accepted before the handler existed hung.
    expect(result.first).toEqual({ status: 503, retryAfter: '1' });
    // The probe connected inside the start-up window, so the first answer did test that window.
    expect(result.answeredWhileStarting).toBe(true);
    expect(result.after.status).toBe(200);
  }, 60_000);
});
