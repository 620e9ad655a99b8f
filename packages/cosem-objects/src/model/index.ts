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
export * from './demand-register.js';
export * from './disconnect-control.js';
export * from './push-setup.js';
export * from './security-setup.js';
export * from './sap-assignment.js';
export * from './iec-hdlc-setup.js';
export * from './association-sn.js';
export * from './short-names.js';
