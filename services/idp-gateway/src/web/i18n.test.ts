import { expect } from 'chai';
import { pickLang, t } from './i18n.js';

describe('idp-gateway pickLang()', () => {
  it('prefers an explicit choice, then Accept-Language by weight, then Slovenian', () => {
    expect(pickLang({ query: 'en', cookie: 'sl' })).to.equal('en');
    expect(pickLang({ cookie: 'en', acceptLanguage: 'sl' })).to.equal('en');
    expect(pickLang({ acceptLanguage: 'de-AT, en;q=0.8, sl;q=0.9' })).to.equal('sl');
    expect(pickLang({ acceptLanguage: 'en-GB,en;q=0.9' })).to.equal('en');
    expect(pickLang({ acceptLanguage: 'fr' })).to.equal('sl');
    expect(pickLang({ query: '<script>' })).to.equal('sl');
  });

  it('fills message placeholders', () => {
    expect(t('en', 'resendIn', { s: 30 })).to.equal('You can ask for a new code in 30 s.');
  });
});
