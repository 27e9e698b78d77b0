import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { createSelfSignedCertificate } from '@idp/x509';
import {
  ACCOUNT,
  Browser,
  hidden,
  PASSWORD,
  startPages,
  type PagesUnderTest,
} from './__fixtures__/pages-harness.js';

const PAGE = '/account/correction';

describe('idp-gateway identity correction pages (real NATS and Redis)', function () {
  this.timeout(30_000);
  let t: PagesUnderTest;
  before(async () => {
    t = await startPages();
  });
  after(async () => t?.close());
  beforeEach(() => {
    delete t.world.correction;
    delete t.world.judgeCorrectionCertificate;
    t.world.calls.clear();
  });

  /** A password-only citizen logged in at the correction page, with its CSRF token. */
  async function loggedIn(): Promise<{ b: Browser; csrf: string; html: string }> {
    const b = new Browser(t.url);
    expect((await b.get(PAGE)).location).to.equal('/login');
    const form = await b.get('/login');
    const done = await b.post('/login/password', {
      csrf: hidden(form.html, 'csrf'),
      email: 'ana@example.si',
      password: PASSWORD,
    });
    expect(done.location).to.equal(PAGE);
    const page = await b.get(PAGE);
    expect(page.status).to.equal(200);
    return { b, csrf: hidden(page.html, 'csrf'), html: page.html };
  }

  const fields = {
    givenName: 'Ana',
    familyName: 'Kovač',
    street: 'Prešernova 2',
    postalCode: '2000',
    city: 'Maribor',
    country: 'si',
  };

  it('is linked from the account page and offers the data on record, both ways of proof and what a certificate cannot prove', async () => {
    const { b, html } = await loggedIn();
    expect((await b.get('/account')).html).to.include(`href="${PAGE}"`);
    expect(html)
      .to.include('value="Ana"')
      .and.include('value="Novak &lt;b&gt;"')
      .and.not.include('Novak <b>');
    expect(html).to.include('value="Slovenska 1"');
    expect(html).to.include('name="path" value="ra"').and.include('name="path" value="certificate"');
    expect(html).to.include('a permanent address can be corrected only at a registration office');
    const sl = await b.get(`${PAGE}?lang=sl`);
    expect(sl.html).to.include('Popravek osebnih podatkov').and.include('samo na prijavni službi');
  });

  it('checks the form and its CSRF token before asking activation', async () => {
    const { b, csrf } = await loggedIn();
    const forged = await b.post(`${PAGE}/request`, { ...fields, path: 'ra', csrf: 'forged' });
    expect(forged.status).to.equal(403);
    const noPath = await b.post(`${PAGE}/request`, { ...fields, csrf });
    expect(noPath.status).to.equal(400);
    expect(noPath.html).to.include('id="path-error"');
    const noName = await b.post(`${PAGE}/request`, { ...fields, familyName: '', path: 'ra', csrf });
    expect(noName.status).to.equal(400);
    expect(noName.html).to.include('id="familyName-error"');
    const halfAddress = await b.post(`${PAGE}/request`, { ...fields, city: '', path: 'ra', csrf });
    expect(halfAddress.html).to.include('id="city-error"');
    expect(t.calls('requestCorrection')).to.have.length(0);
  });

  it('path ra: sends the correction, then shows the number, the changes and what to do; cancel ends it', async () => {
    const { b, csrf } = await loggedIn();
    const sent = await b.post(`${PAGE}/request`, { ...fields, path: 'ra', csrf });
    expect(sent.location).to.equal(PAGE);
    expect(t.calls('requestCorrection')).to.deep.equal([
      {
        accountId: ACCOUNT,
        path: 'ra',
        givenName: 'Ana',
        familyName: 'Kovač',
        address: { street: 'Prešernova 2', postalCode: '2000', city: 'Maribor', country: 'SI' },
      },
    ]);
    const page = await b.get(PAGE);
    expect(page.html).to.include('id="request-number">C-4HTR7KQ2<');
    expect(page.html).to.match(/data-field="family_name">[^]*?Novak &lt;b&gt;[^]*?<strong>Kovač<\/strong>/);
    expect(page.html).to.match(/data-field="address">[^]*?<strong>Prešernova 2, 2000 Maribor, SI<\/strong>/);
    expect(page.html).to.include('Visit a registration office with an identity document');
    expect(page.html).not.to.include(`action="${PAGE}/request"`);

    const cancelled = await b.post(`${PAGE}/cancel`, { csrf });
    expect(cancelled.location).to.equal(PAGE);
    expect(t.calls('cancelCorrection')).to.deep.equal([
      { accountId: ACCOUNT, requestId: '5c0e7a51-3f4b-4d59-9e3b-8a3c1f0a00c1' },
    ]);
    const after = await b.get(PAGE);
    expect(after.html).to.include('Correction request C-4HTR7KQ2 was not approved (cancelled)');
    expect(after.html).to.include(`action="${PAGE}/request"`);
  });

  it("shows activation's refusals on the form: nothing changed, an address by certificate", async () => {
    const { b, csrf } = await loggedIn();
    const same = await b.post(`${PAGE}/request`, {
      givenName: 'Ana',
      familyName: 'Novak <b>',
      street: 'Slovenska 1',
      postalCode: '1000',
      city: 'Ljubljana',
      country: 'SI',
      path: 'ra',
      csrf,
    });
    expect(same.status).to.equal(400);
    expect(same.html).to.include('The data you entered is the same as on record.');
    const address = await b.post(`${PAGE}/request`, { ...fields, path: 'certificate', csrf });
    expect(address.status).to.equal(409);
    expect(address.html).to.include('An address cannot be proven by a digital certificate');
    // What the citizen typed stays in the form.
    expect(address.html).to.include('value="Prešernova 2"');
  });

  describe('path certificate', () => {
    const header = 'x-ssl-client-cert';
    let certificatePem: string;
    before(async () => {
      certificatePem = (await createSelfSignedCertificate({ commonName: 'Ana Kovač', keyType: 'ec' }))
        .certPem;
    });

    /** A citizen whose name correction waits for a certificate, and a browser behind the trusted proxy. */
    async function atCertificateStep() {
      const { b, csrf } = await loggedIn();
      await b.post(`${PAGE}/request`, {
        givenName: 'Ana',
        familyName: 'Kovač',
        street: 'Slovenska 1',
        postalCode: '1000',
        city: 'Ljubljana',
        country: 'SI',
        path: 'certificate',
        csrf,
      });
      const page = await b.get(PAGE);
      expect(page.html).to.include('Present a qualified digital certificate');
      expect(page.html).to.include(`action="https://idp.test:8443${PAGE}/certificate"`);
      const app = await t.startApp({ trustProxy: true, header });
      const proxied = new Browser(app.url, { [header]: encodeURIComponent(certificatePem) });
      for (const [k, v] of b.cookies) proxied.cookies.set(k, v);
      return { b, proxied, csrf };
    }

    it('passes the certificate to activation; an approval shows the corrected data as done', async () => {
      const { b, proxied, csrf } = await atCertificateStep();
      expect(t.calls('requestCorrection').at(-1)).to.deep.include({
        path: 'certificate',
        familyName: 'Kovač',
      });
      const res = await proxied.post(`${PAGE}/certificate`, { csrf });
      expect(res.location).to.equal(`https://idp.test${PAGE}`);
      expect(t.calls('presentCorrectionCertificate')).to.deep.equal([
        {
          accountId: ACCOUNT,
          requestId: '5c0e7a51-3f4b-4d59-9e3b-8a3c1f0a00c1',
          certificatePem,
          chainPem: [],
        },
      ]);
      expect((await b.get(PAGE)).html).to.include('Correction C-4HTR7KQ2 was approved');
    });

    it('says when the names in the certificate are not the new ones', async () => {
      const { b, proxied, csrf } = await atCertificateStep();
      t.world.judgeCorrectionCertificate = () => {
        throw new DomainError('permission_denied', 'activation.certificate_name_mismatch', {
          message: 'names',
        });
      };
      const res = await proxied.post(`${PAGE}/certificate`, { csrf });
      expect(res.location).to.equal(`https://idp.test${PAGE}?certificate=name`);
      const page = await b.get(`${PAGE}?certificate=name`);
      expect(page.html).to.include(
        'The given name or surname in the certificate does not match the new ones.',
      );
      // Still waiting: another certificate may be presented.
      expect(page.html).to.include(`action="https://idp.test:8443${PAGE}/certificate"`);
    });
  });
});
