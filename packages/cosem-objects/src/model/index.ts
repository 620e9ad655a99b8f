/** The server object model. */
export * from './object.js';
export * from './access.js';
export * from './logical-device.js';
export * from './value-attribute.js';
export * from './data.js';
export * from './register.js';
export * from './clock.js';
export * from './profile-generic.js';
export * from './association-ln.js';
