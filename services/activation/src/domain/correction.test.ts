import { expect } from 'chai';
import { DomainError } from '@idp/events';
import {
  approveCorrection,
  cancelCorrection,
  certificateNamesMatch,
  expireCorrectionIfDue,
  namesAfter,
  refuseCorrectionCertificate,
  rejectCorrection,
  submitCorrection,
  type CorrectionDecision,
  type CorrectionRequest,
  type CorrectionState,
  type CurrentIdentity,
  type Proposed,
} from './correction.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const ID = '0190d6c2-0000-7000-8000-0000000000c1';
const ACCOUNT_ID = '0b7c1c6e-5d0e-4f4e-9a57-3c1f0c1b2a10';
const OFFICER_ID = '5b1d2c3e-1111-4222-8333-444455556666';
const CERT = { issuer: 'CN=Test CA', serialNumber: '0A' };
const CURRENT: CurrentIdentity = {
  givenName: 'Ana',
  familyName: 'Novak',
  address: { street: 'Slovenska cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' },
};
const NEW_ADDRESS = { street: 'Prešernova 2', postalCode: '2000', city: 'Maribor', country: 'SI' };
const ALL_STATES: CorrectionState[] = ['submitted', 'approved', 'rejected', 'cancelled', 'expired'];

const submit = (path: 'ra' | 'certificate', proposed: Proposed, now = T0) =>
  submitCorrection(
    { id: ID, number: 'C-7KQ2M9XD', accountId: ACCOUNT_ID, path, proposed, current: CURRENT },
    now,
  );

/** A correction as it would be stored in `state` (deadline 10 days after T0 while submitted). */
function given(state: CorrectionState, path: 'ra' | 'certificate' = 'ra'): CorrectionRequest {
  const base = submit(path, { familyName: 'Kovač' }).request;
  const open = state === 'submitted';
  return { ...base, state, expiresAt: open ? at(10) : null, proposed: open ? base.proposed : null };
}

const subjects = (d: CorrectionDecision) =>
  d.events.map((e) => e.def.subject.replace(/^idp\.activation\.|\.v1$/g, ''));

function refusedWith(fn: () => unknown, code: string): void {
  expect(fn).to.throw(DomainError).with.property('code', code);
}

/** Every command, with the path it belongs to; each is allowed only on a submitted correction of that path. */
const COMMANDS: Record<
  string,
  { path: 'ra' | 'certificate' | 'both'; run: (r: CorrectionRequest, now: Date) => CorrectionDecision }
> = {
  approveByOfficer: {
    path: 'ra',
    run: (r, now) => approveCorrection(r, { via: 'officer', officerId: OFFICER_ID }, now),
  },
  reject: {
    path: 'ra',
    run: (r, now) => rejectCorrection(r, { officerId: OFFICER_ID, reason: 'no ID' }, now),
  },
  approveByCertificate: {
    path: 'certificate',
    run: (r, now) => approveCorrection(r, { via: 'certificate', certificate: CERT }, now),
  },
  refuseCertificate: {
    path: 'certificate',
    run: (r, now) => refuseCorrectionCertificate(r, 'name_mismatch', now),
  },
  cancel: { path: 'both', run: (r, now) => cancelCorrection(r, now) },
};

describe('activation domain/correction', () => {
  describe('submitCorrection()', () => {
    it('keeps only what differs from the record, cleaned, and waits 30 days', () => {
      const d = submit('ra', {
        givenName: ' Ana ',
        familyName: 'Kovač  Novak',
        address: { ...NEW_ADDRESS, country: 'si' },
      });
      expect(d.request).to.include({ state: 'submitted', path: 'ra', rejectionReason: null });
      expect(d.request.fields).to.deep.equal(['family_name', 'address']);
      expect(d.request.proposed).to.deep.equal({ familyName: 'Kovač Novak', address: NEW_ADDRESS });
      expect(d.request.expiresAt).to.deep.equal(at(30));
      expect(subjects(d)).to.deep.equal(['correction_submitted']);
      // Field names only: the event never carries a value.
      expect(d.events[0]!.data).to.deep.equal({
        requestId: ID,
        accountId: ACCOUNT_ID,
        path: 'ra',
        fields: ['family_name', 'address'],
      });
    });

    it('refuses a proposal that changes nothing', () => {
      refusedWith(
        () => submit('ra', { givenName: 'Ana', address: { ...CURRENT.address!, country: 'si' } }),
        'activation.correction_unchanged',
      );
      refusedWith(() => submit('ra', {}), 'activation.correction_unchanged');
    });

    it('takes names on both paths, an address on path ra only', () => {
      expect(submit('certificate', { givenName: 'Anja' }).request.fields).to.deep.equal(['given_name']);
      refusedWith(
        () => submit('certificate', { familyName: 'Kovač', address: NEW_ADDRESS }),
        'activation.correction_needs_officer',
      );
      expect(submit('ra', { address: NEW_ADDRESS }).request.fields).to.deep.equal(['address']);
    });

    it('counts an address with no address on record as a change', () => {
      const d = submitCorrection(
        {
          id: ID,
          number: 'C-7KQ2M9XD',
          accountId: ACCOUNT_ID,
          path: 'ra',
          proposed: { address: NEW_ADDRESS },
          current: { givenName: 'Ana' },
        },
        T0,
      );
      expect(d.request.fields).to.deep.equal(['address']);
    });
  });

  describe('every command in every state', () => {
    for (const [name, { path, run }] of Object.entries(COMMANDS)) {
      for (const state of ALL_STATES) {
        for (const on of ['ra', 'certificate'] as const) {
          const allowed = state === 'submitted' && (path === 'both' || path === on);
          it(`${name} is ${allowed ? 'allowed' : 'refused'} on path ${on} in ${state}`, () => {
            if (!allowed)
              return refusedWith(() => run(given(state, on), T0), 'activation.invalid_transition');
            const d = run(given(state, on), T0);
            expect(d.refusal?.code ?? 'none').to.not.be.oneOf([
              'activation.invalid_transition',
              'activation.request_expired',
            ]);
          });
        }
      }
    }

    it('an allowed command past the deadline only expires the correction, and erases the values', () => {
      for (const [name, { path, run }] of Object.entries(COMMANDS)) {
        const d = run(given('submitted', path === 'both' ? 'ra' : path), at(10));
        expect(d.request, name).to.include({ state: 'expired', expiresAt: null, proposed: null });
        expect(subjects(d), name).to.deep.equal(['correction_expired']);
        expect(d.refusal?.code, name).to.equal('activation.request_expired');
      }
    });

    it('the sweep expires only a submitted correction past its deadline', () => {
      expect(expireCorrectionIfDue(given('submitted'), at(9))).to.equal(undefined);
      expect(expireCorrectionIfDue(given('submitted'), at(10))?.request.state).to.equal('expired');
      expect(expireCorrectionIfDue(given('approved'), at(40))).to.equal(undefined);
    });
  });

  describe('the ends', () => {
    it('an officer approval erases the values and names the officer', () => {
      const d = approveCorrection(given('submitted'), { via: 'officer', officerId: OFFICER_ID }, at(1));
      expect(d.request).to.include({ state: 'approved', proposed: null, expiresAt: null });
      expect(subjects(d)).to.deep.equal(['correction_approved']);
      expect(d.events[0]!.data).to.deep.equal({
        requestId: ID,
        accountId: ACCOUNT_ID,
        fields: ['family_name'],
        via: 'officer',
        officerId: OFFICER_ID,
      });
    });

    it('a certificate approval names the certificate', () => {
      const d = approveCorrection(
        given('submitted', 'certificate'),
        { via: 'certificate', certificate: CERT },
        T0,
      );
      expect(d.events[0]!.data).to.deep.include({ via: 'certificate', certificate: CERT });
    });

    it('a rejection keeps the reason (not in the event) and erases the values', () => {
      const d = rejectCorrection(
        given('submitted'),
        { officerId: OFFICER_ID, reason: 'document expired' },
        T0,
      );
      expect(d.request).to.include({
        state: 'rejected',
        rejectionReason: 'document expired',
        proposed: null,
      });
      expect(d.events[0]!.data).to.deep.equal({
        requestId: ID,
        accountId: ACCOUNT_ID,
        officerId: OFFICER_ID,
      });
    });

    it('a refused certificate leaves the correction waiting and says why', () => {
      const r = given('submitted', 'certificate');
      const mismatch = refuseCorrectionCertificate(r, 'name_mismatch', T0);
      expect(mismatch.request).to.equal(r);
      expect(mismatch.refusal).to.include({
        kind: 'permission_denied',
        code: 'activation.certificate_name_mismatch',
      });
      expect(mismatch.events[0]!.data).to.deep.include({ reason: 'name_mismatch' });
      expect(refuseCorrectionCertificate(r, 'revoked', T0).refusal?.code).to.equal(
        'activation.certificate_revoked',
      );
      expect(refuseCorrectionCertificate(r, 'subject_mismatch', T0).refusal?.code).to.equal(
        'activation.certificate_subject_mismatch',
      );
    });

    it('the citizen cancels', () => {
      const d = cancelCorrection(given('submitted', 'certificate'), T0);
      expect(d.request).to.include({ state: 'cancelled', proposed: null });
      expect(subjects(d)).to.deep.equal(['correction_cancelled']);
    });
  });

  describe('certificate names', () => {
    it('must be the names the account will have: corrected ones, the others as on record', () => {
      const r = submit('certificate', { familyName: 'Kovač' }).request;
      const expected = namesAfter(r, CURRENT);
      expect(expected).to.deep.equal({ givenName: 'Ana', familyName: 'Kovač' });
      expect(certificateNamesMatch({ givenName: 'Ana', surname: 'Kovač' }, expected)).to.equal(true);
      // Capitals and spacing as CAs write them.
      expect(certificateNamesMatch({ givenName: ' ANA', surname: 'KOVAČ ' }, expected)).to.equal(true);
      expect(certificateNamesMatch({ givenName: 'Ana', surname: 'Novak' }, expected)).to.equal(false);
      expect(certificateNamesMatch({ givenName: 'Ana', surname: 'Kovac' }, expected)).to.equal(false);
      expect(certificateNamesMatch({ surname: 'Kovač' }, expected)).to.equal(false);
      expect(certificateNamesMatch({}, { givenName: undefined, familyName: undefined })).to.equal(false);
    });
  });
});
