import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { assertDestinationAllowed, maskPhone, numberPrefix } from './destination.js';

const ALLOWED = ['+386', '+385', '+43'];

describe('domain/destination', () => {
  it('allows a Slovenian number and names its country code', () => {
    expect(assertDestinationAllowed('+38640123456', ALLOWED)).to.equal('+386');
  });

  it('refuses a country outside the allow-list with otp.destination_not_allowed', () => {
    for (const phone of ['+88216123456', '+4475000000000', '+3861']) {
      expect(() => assertDestinationAllowed(phone, ALLOWED))
        .to.throw(DomainError)
        .with.property('code', 'otp.destination_not_allowed');
    }
  });

  it('masks a number to its country code and last two digits', () => {
    expect(maskPhone('+38640123456', '+386')).to.equal('+386 •• ••• • 56');
    expect(maskPhone('+386401234567', '+386')).to.equal('+386 •• ••• •• 67');
  });

  it('takes the first digits as the number block', () => {
    expect(numberPrefix('+38640123456', 7)).to.equal('3864012');
  });
});
