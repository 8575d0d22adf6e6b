import { describe, expect, test } from 'vitest';
import { defaultMetadataOptions, metadataFor } from './options.js';

const net = { id: 'n1', name: 'lab' };
const off = { enableIsolatedMetadata: false, forceMetadata: false, enableMetadataNetwork: false };

describe("the settings as they apply to one network: the agent's, unless the network's own says otherwise", () => {
  test("the agent's settings apply to every network (true) or to those a list names by id or name", () => {
    expect(metadataFor({ ...defaultMetadataOptions, enableIsolatedMetadata: true }, net)).toStrictEqual({ ...off, enableIsolatedMetadata: true });
    expect(metadataFor({ ...defaultMetadataOptions, forceMetadata: ['lab'] }, net)).toStrictEqual({ ...off, forceMetadata: true });
    expect(metadataFor({ ...defaultMetadataOptions, enableIsolatedMetadata: ['n2', 'other'] }, net)).toStrictEqual(off);
  });

  test("leasehold:isolated_metadata true turns enable_isolated_metadata on and keeps the agent's force_metadata; false turns both off; null is the agent's", () => {
    expect(metadataFor(defaultMetadataOptions, { ...net, isolatedMetadata: true })).toStrictEqual({ ...off, enableIsolatedMetadata: true });
    expect(metadataFor({ ...defaultMetadataOptions, forceMetadata: true }, { ...net, isolatedMetadata: true })).toStrictEqual({ ...off, enableIsolatedMetadata: true, forceMetadata: true });
    expect(metadataFor({ ...defaultMetadataOptions, enableIsolatedMetadata: true, forceMetadata: true, enableMetadataNetwork: true }, { ...net, isolatedMetadata: false })).toStrictEqual({ ...off, enableMetadataNetwork: true });
    expect(metadataFor({ ...defaultMetadataOptions, enableIsolatedMetadata: ['lab'] }, { ...net, isolatedMetadata: null })).toStrictEqual({ ...off, enableIsolatedMetadata: true });
  });
});
