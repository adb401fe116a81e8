/** Public API of greedy-infomax: re-exports only. */
export { initBackend, availableBackends, BACKEND_NAMES } from './backend/select.js';
export type { BackendName, ActiveBackend } from './backend/select.js';
export { Rng } from './backend/random.js';
export * from './errors.js';
