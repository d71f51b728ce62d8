// Public entry point of @vireo/server (used by the CLI and by tests).
export { loadConfig, ConfigError, type Config, type Env } from './config.js';
export { createLog, prepareServer, startServer, VERSION, type RunningServer } from './main.js';
export { openStore, type Store } from './store/db.js';
export { AppError } from './domain/errors.js';
export * as admin from './admin.js';
