import { expect } from 'chai';
import { createArgon2Hasher } from './argon2.js';

// Cheap parameters: the tests are about behaviour, not cost.
const params = { memoryKib: 1024, timeCost: 1, parallelism: 1 };

describe('argon2 hasher', () => {
  const hasher = createArgon2Hasher(params);

  it('makes argon2id hashes with the given parameters that verify the right password only', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).to.match(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await hasher.verify(stored, 'correct horse battery staple')).to.equal(true);
    expect(await hasher.verify(stored, 'correct horse battery stapler')).to.equal(false);
  });

  it('answers false for an unknown account, after checking the dummy hash', async () => {
    expect(await hasher.verify(undefined, 'anything')).to.equal(false);
    expect(await hasher.verify(undefined, '')).to.equal(false);
  });

  it('asks for a rehash when the parameters changed or the hash is not argon2id', async () => {
    const stored = await hasher.hash('pw');
    expect(hasher.needsRehash(stored)).to.equal(false);
    expect(createArgon2Hasher({ ...params, timeCost: 2 }).needsRehash(stored)).to.equal(true);
    expect(createArgon2Hasher({ ...params, memoryKib: 2048 }).needsRehash(stored)).to.equal(true);
    expect(hasher.needsRehash(stored.replace('$argon2id$', '$argon2i$'))).to.equal(true);
    expect(hasher.needsRehash('not a hash')).to.equal(true);
  });
});
