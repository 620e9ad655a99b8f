/**
 * The meter the simulator serves when no profile is given: a single-phase electricity meter with one
 * logical device at server address 1 and one public association (client 16, no authentication).
 *
 * Objects: Association LN 0.0.40.0.0.255 (added by the builder), COSEM logical device name
 * 0.0.42.0.0.255 (visible string, added by the builder), Clock 0.0.1.0.0.255, active energy import
 * register 1.0.1.8.0.255 (Wh, scaler 0, unit 30, increasing at 1.5 kWh per hour), and the load
 * profile 1.0.99.1.0.255 (clock + energy, every 900 s, prefilled with the last 24 h).
 *
 * It is written as profile JSON on purpose: it is also the example the documentation starts from.
 */

/** The default profile, as JSON (pass it to `parseSimulatorProfile`). */
export const DEFAULT_SIMULATOR_PROFILE = {
  description: 'Default simulated electricity meter',
  devices: [
    {
      serverAddress: 1,
      name: 'SIM0000000000001',
      associations: [{ clientAddress: 16, mechanism: 'none', rights: 'read-only' }],
      objects: [
        { class: 'clock', obis: '0.0.1.0.0.255' },
        {
          class: 'register',
          obis: '1.0.1.8.0.255',
          type: 'double-long-unsigned',
          scaler: 0,
          unit: 30,
          generator: { kind: 'counter', start: 1_000_000, ratePerHour: 1500 },
        },
        {
          class: 'profile-generic',
          obis: '1.0.99.1.0.255',
          captureObjects: [
            { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 },
            { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 },
          ],
          capturePeriodS: 900,
          profileEntries: 2880,
          prefillS: 86400,
        },
      ],
    },
  ],
} as const;
