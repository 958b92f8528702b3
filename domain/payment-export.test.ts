import { csvCell, csvLine, PAYMENT_EXPORT_HEADER, paymentCsvLine } from './payment-export';

describe('a payment export writes cells a spreadsheet shows as they are', () => {
  test.each([
    ['plain', 'plain'],
    [1999, '1999'],
    [null, ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['crlf\r\nline', '"crlf\r\nline"'],
    [' padded', '" padded"'],
    ['茶具', '茶具'],
  ])('%j is written %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  test.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
  ])('a text that a spreadsheet would run as a formula, %j, is written %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  test('numbers are never prefixed, and lines end in CRLF', () => {
    expect(csvLine([1, 'a', null])).toBe('1,a,\r\n');
    expect(PAYMENT_EXPORT_HEADER).toBe(
      'id,created,status,amount,currency,channel,provider,merchant_order_no,provider_trade_no,customer,amount_refunded\r\n',
    );
    expect(
      paymentCsvLine({
        id: 'pay_1',
        created: '2026-12-03T10:00:00.000Z',
        status: 'succeeded',
        amount: 1999,
        currency: 'CNY',
        channel: 'alipay_qr',
        provider: 'alipay',
        merchant_order_no: '-5',
        provider_trade_no: null,
        customer: null,
        amount_refunded: 0,
      }),
    ).toBe("pay_1,2026-12-03T10:00:00.000Z,succeeded,1999,CNY,alipay_qr,alipay,'-5,,,0\r\n");
  });
});
