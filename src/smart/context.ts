import type { Logger } from '../log';
import type { SmartConfig } from './config';
import { CALLBACK_PATH } from './paths';
import { createSmartDiscovery, type SmartDiscovery } from './discovery';
import { FileSmartStorage } from './storage/file-storage';
import { MemorySmartStorage } from './storage/memory-storage';
import type { SmartStorage } from './storage/storage';

/** What the SMART flow needs, built once by the app factory. */
export interface SmartContext {
  config: SmartConfig;
  storage: SmartStorage;
  discovery: SmartDiscovery;
  log: Logger;
  now: () => number;
}

export function createSmartContext(
  config: SmartConfig,
  log: Logger,
  options: { storage?: SmartStorage; discovery?: SmartDiscovery; now?: () => number } = {},
): SmartContext {
  const now = options.now ?? Date.now;
  return {
    config,
    storage: options.storage ?? (config.sessionDir ? new FileSmartStorage(config.sessionDir, now) : new MemorySmartStorage(now)),
    discovery: options.discovery ?? createSmartDiscovery(),
    log,
    now,
  };
}

export function redirectUri(config: SmartConfig): string {
  return `${config.appBaseUrl}${CALLBACK_PATH}`;
}
