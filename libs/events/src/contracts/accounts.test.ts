import { expect } from 'chai';
import { AccountState, formatAddressLine, smsPassOfState, splitAddressLine } from './accounts.js';

describe('accounts contract helpers', () => {
  it('writes an address as one line, the country only outside Slovenia, and splits it back for a letter', () => {
    const home = { street: 'Trubarjeva cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'si' };
    expect(formatAddressLine(home)).to.equal('Trubarjeva cesta 1, 1000 Ljubljana');
    const abroad = { street: 'Hauptplatz 3', postalCode: '9020', city: 'Klagenfurt', country: 'at' };
    expect(formatAddressLine(abroad)).to.equal('Hauptplatz 3, 9020 Klagenfurt, AT');
    expect(splitAddressLine(formatAddressLine(abroad))).to.deep.equal([
      'Hauptplatz 3',
      '9020 Klagenfurt',
      'AT',
    ]);
    expect(splitAddressLine('Ulica 1\r\n2000 Maribor\n')).to.deep.equal(['Ulica 1', '2000 Maribor']);
  });

  it('gives smsPASS active only in smspass_active, for every state', () => {
    const active = AccountState.options.filter((s) => smsPassOfState(s) === 'active');
    expect(active).to.deep.equal(['smspass_active']);
    expect(smsPassOfState('erased')).to.equal('cancelled');
    expect(smsPassOfState('email_confirmed')).to.equal('none');
  });
});
