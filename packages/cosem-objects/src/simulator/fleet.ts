/**
 * Fleets of simulated meters made from one profile: copies that differ in what identifies a meter
 * (logical device name, system title, random-walk seeds) and, when they share one listener, in their
 * server address.
 *
 * Profiles in, profiles out: nothing is built or served here.
 */
import { ArgumentError } from '@meteringlab/dlms-core';
import type { ProfileDevice, ProfileObject, SimulatorProfile } from './profile.js';

function nameOf(template: string, index: number): string {
  // The template's name with the meter's number in place of its trailing digits (SIM…0001 → SIM…0002).
  const m = /^(.*?)(\d+)$/.exec(template);
  if (m === null) return `${template}-${index + 1}`;
  const n = BigInt(m[2]!) + BigInt(index);
  return m[1]! + n.toString().padStart(m[2]!.length, '0');
}

function titleOf(title: Uint8Array | undefined, index: number): Uint8Array | undefined {
  if (title === undefined || index === 0) return title;
  const out = title.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(4, (view.getUint32(4) + index) >>> 0);
  return out;
}

function objectsOf(objects: readonly ProfileObject[], index: number): ProfileObject[] {
  return objects.map((o) => {
    if (
      (o.class === 'data' || o.class === 'register' || o.class === 'extended-register') &&
      o.generator?.kind === 'random-walk'
    ) {
      return { ...o, generator: { ...o.generator, seed: (o.generator.seed + index * 7919) >>> 0 } };
    }
    return o;
  });
}

/** The `index`-th copy (from 0) of a device, at `serverAddress`. */
export function fleetDevice(template: ProfileDevice, index: number, serverAddress: number): ProfileDevice {
  const systemTitle = titleOf(template.systemTitle, index);
  return {
    ...template,
    serverAddress,
    name: nameOf(template.name, index),
    ...(systemTitle === undefined ? {} : { systemTitle }),
    objects: objectsOf(template.objects, index),
  };
}

/**
 * `count` meters on one listener, told apart by server address (wrapper wPort / HDLC address): the
 * profile's single device repeated at server addresses start, start+1, … (start = its own address).
 */
export function fleetOnAddresses(profile: SimulatorProfile, count: number): SimulatorProfile {
  if (!Number.isInteger(count) || count < 1)
    throw new ArgumentError(`fleet size ${count} must be a positive integer`);
  if (profile.devices.length !== 1)
    throw new ArgumentError(
      `a fleet on wPorts needs a profile with one device, not ${profile.devices.length}`,
    );
  const t = profile.devices[0]!;
  if (t.serverAddress + count - 1 > 0x3fff)
    throw new ArgumentError(
      `server addresses ${t.serverAddress}..${t.serverAddress + count - 1} exceed 16383`,
    );
  return { devices: Array.from({ length: count }, (_, i) => fleetDevice(t, i, t.serverAddress + i)) };
}

/** `count` meters, one per listener: copies of the whole profile with the same addresses. */
export function fleetOnPorts(profile: SimulatorProfile, count: number): SimulatorProfile[] {
  if (!Number.isInteger(count) || count < 1)
    throw new ArgumentError(`fleet size ${count} must be a positive integer`);
  return Array.from({ length: count }, (_, i) => ({
    devices: profile.devices.map((d) => fleetDevice(d, i, d.serverAddress)),
  }));
}
