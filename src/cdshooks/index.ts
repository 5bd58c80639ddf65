export { createCdsHooksRouter, type CdsHooksDeps } from './router';
export { cdsConfigFromEnv, parseCdsConfig, serviceUrl, SERVICE_ID, type CdsConfig, type CdsConfigInput, type CdsIssuer } from './config';
export { discoveryDocument, PREFETCH } from './discovery';
export { cardsFor, type CdsCard } from './cards';
