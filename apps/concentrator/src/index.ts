/**
 * @meteringlab/concentrator: the DLMS virtual concentrator as a library (tests, embedding):
 * `startConcentrator(config)` and its parts. The command is `main.ts`.
 */
export * from './reading.js';
export * from './cache.js';
export * from './object-map.js';
export * from './config.js';
export * from './store.js';
export * from './metrics.js';
export * from './mqtt-bus.js';
export * from './dlms-endpoint.js';
export * from './http-api.js';
export * from './concentrator.js';
export * from './demo.js';
