/**
 * @meteringlab/mbus-gcm: the customer interfaces of smart meters that push DLMS: wired M-Bus long
 * frames (Kaifa MA309M, Sagemcom T210-D), HDLC pushes (Landis+Gyr E450, Iskra AM550, Siemens IM350,
 * Nordic HAN meters) and raw APDUs, deciphered (general-glo/ded-ciphering, with or without tag) into
 * readings.
 *
 * Pure parts: the M-Bus frame codec and framer, the DLMS transport layer over M-Bus with reassembly,
 * the HDLC push reassembly, the push decoder pipeline, Home Assistant discovery messages. The `mbus-gcm`
 * command (`cli.ts`, `read.ts`) adds the serial port and MQTT.
 */
export * from './mbus-frame.js';
export * from './mbus-framer.js';
export * from './dlms-transport.js';
export * from './hdlc-push.js';
export * from './push-decoder.js';
export * from './push-json.js';
export * from './ha-discovery.js';
