/** Where the lead mounts the routers; redirect URIs and links are built from these. */
export const SMART_PATH = '/smart';
export const APP_PATH = '/app';

export const LAUNCH_PATH = `${SMART_PATH}/launch`;
export const CALLBACK_PATH = `${SMART_PATH}/callback`;
