import { describe, expect, it } from 'vitest';
import { STRICT_PROFILE } from '@meteringlab/dlms-core';
import { profileFromQuirks } from '../src/commands/client-common.js';
import { run } from './helpers.js';

describe('--quirks', () => {
  it('turns quirk names into a meter profile, strict when absent', () => {
    expect(profileFromQuirks(undefined)).toBe(STRICT_PROFILE);
    expect(profileFromQuirks('lenient-rlre, hdlc-llc-on-every-segment')).toEqual({
      name: 'command line',
      lenientRlre: true,
      hdlcLlcOnEverySegment: true,
    });
  });

  it('an unknown quirk is a usage error naming the known ones, before anything is opened', async () => {
    const r = await run(['get', 'tcp://127.0.0.1:9', '3/1.0.1.8.0.255/2', '--quirks', 'sloppy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown quirk 'sloppy' \(known: aare-without-user-information/);
  });
});
