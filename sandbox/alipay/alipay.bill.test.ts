import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import type { AlipaySimTrade } from './alipay.model';
import { alipayBillFiles, zipFiles, type AlipayBillLine } from './alipay.bill';

// What the bill files hold, without a sandbox: a CSV field that needs quoting, and the zip
// container read back by another implementation (fflate, node's crc32). The bill as a merchant
// downloads it is alipay.statement.test.ts.

describe('the bill file', () => {
  test('a subject with a comma or a quote is quoted, as CSV quotes it', () => {
    const trade = {
      trade_no: '2026112122001000000000000001',
      subject: 'Tea, "green"',
      gmt_create: '2026-11-21T02:00:00.000Z',
      buyer_logon_id: null,
      body: null,
    } as unknown as AlipaySimTrade;
    const line: AlipayBillLine = {
      kind: 'payment',
      outTradeNo: 'o1',
      outRefundNo: null,
      amountFen: 100,
      at: new Date('2026-11-21T02:00:05Z'),
      data: { trade, refund: null },
    };
    const [detail] = alipayBillFiles({
      userId: '20880000000000000156',
      date: '2026-11-21',
      lines: [line],
      exportedAt: new Date('2026-11-22T01:00:00Z'),
    });
    expect(detail.text.split('\r\n')[5]).toBe(
      '2026112122001000000000000001\t,o1\t,交易\t,"Tea, ""green""",2026-11-21 10:00:00,2026-11-21 10:00:05,\t,\t,\t,\t,\t,1.00,1.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,',
    );
    expect(detail.text).toContain('#导出时间：[2026年11月22日 09:00:00]');
  });

  test('the zip container reads back in another implementation: CRC-32, sizes and deflate agree', () => {
    const data = iconv.encode(`${'支付宝交易号,商户订单号\r\n'.repeat(200)}`, 'gbk');
    const zip = zipFiles(
      [
        { name: iconv.encode('账单_业务明细.csv', 'gbk'), data },
        { name: Buffer.from('empty.csv'), data: Buffer.alloc(0) },
      ],
      new Date('2026-11-21T16:30:00Z'),
    );
    const files = unzipSync(new Uint8Array(zip));
    expect(Object.keys(files).map((n) => iconv.decode(Buffer.from(n, 'latin1'), 'gbk'))).toEqual([
      '账单_业务明细.csv',
      'empty.csv',
    ]);
    expect(Buffer.from(Object.values(files)[0])).toEqual(data);
    // fflate checks no CRC: node's own crc32 does. Local header at 0: CRC at 14, DOS time and date at 10 and 12.
    expect(zip.readUInt32LE(14)).toBe(crc32(data));
    const time = zip.readUInt16LE(10);
    const date = zip.readUInt16LE(12);
    // 2026-11-22 00:30:00 in China.
    expect([(date >> 9) + 1980, (date >> 5) & 0xf, date & 0x1f, time >> 11, (time >> 5) & 0x3f]).toEqual([
      2026, 11, 22, 0, 30,
    ]);
  });
});
