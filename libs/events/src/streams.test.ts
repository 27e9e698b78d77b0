import { expect } from 'chai';
import { z } from 'zod';
import { catalog } from './catalog.js';
import { defineEvent, defineSeal } from './define.js';
import { SealCheckpointV1 } from './contracts/seals.js';
import { eventStreamSpec, sealStreamSpec, streamSpecs } from './streams.js';

describe('streams: the audit log and its seals', () => {
  it('keeps the notary checkpoints out of IDP_EVENTS and in IDP_SEALS', () => {
    expect(eventStreamSpec(catalog).subjects).to.not.include(SealCheckpointV1.subject);
    expect(eventStreamSpec(catalog).subjects.some((s) => s.startsWith('idp.seal.'))).to.equal(false);
    const seals = sealStreamSpec(catalog);
    expect(seals).to.include({ name: 'IDP_SEALS', deny_delete: true, deny_purge: true, max_age: 0 });
    expect(seals.subjects).to.deep.equal([SealCheckpointV1.subject]);
    expect(streamSpecs(catalog).map((s) => s.name)).to.include('IDP_SEALS');
  });

  it('reserves the seal domain: no event may be named idp.seal.*', () => {
    expect(() => defineEvent('idp.seal.forged.v1', z.object({}), 'x')).to.throw(/does not match/);
    expect(() => defineSeal('idp.audit.checkpoint.v1', z.object({}), 'x')).to.throw(/does not match/);
    expect(catalog.message(SealCheckpointV1.subject)).to.equal(undefined);
  });
});
