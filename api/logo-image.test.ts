import { MAX_LOGO_BYTES, decodeLogo, imageTypeOf, logoDataUrl } from './logo-image';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

describe('a logo is known by its first bytes', () => {
  test.each([
    ['PNG', PNG, 'image/png'],
    ['JPEG', JPEG, 'image/jpeg'],
    ['WebP', WEBP, 'image/webp'],
    ['SVG', SVG, null],
    ['GIF', Buffer.from('GIF89a\x01\x00'), null],
    ['nothing much', Buffer.from([0x89, 0x50]), null],
  ])('%s', (_name, bytes, type) => {
    expect(imageTypeOf(bytes)).toBe(type);
  });
});

describe('when a merchant sends a logo', () => {
  test('bare base64 and a data URL decode to the same image', () => {
    const bare = decodeLogo(PNG.toString('base64'));
    const url = decodeLogo(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(bare).toEqual({ bytes: PNG, type: 'image/png' });
    expect(url).toEqual(bare);
  });

  test('an SVG is refused even when its data URL claims to be a PNG', () => {
    expect(decodeLogo(`data:image/png;base64,${SVG.toString('base64')}`)).toEqual({ problem: 'unsupported_type' });
    expect(decodeLogo(`data:image/svg+xml;base64,${SVG.toString('base64')}`)).toEqual({
      problem: 'unsupported_type',
    });
  });

  test('more than 256 KiB is refused before it is decoded', () => {
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES)]);
    expect(decodeLogo(big.toString('base64'))).toEqual({ problem: 'too_large' });
    const justFits = Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES - PNG.length)]);
    expect(decodeLogo(justFits.toString('base64'))).toMatchObject({ type: 'image/png' });
  });

  test('text that is not base64, and nothing at all, are refused', () => {
    expect(decodeLogo('not base64!')).toEqual({ problem: 'not_base64' });
    expect(decodeLogo('data:text/plain,hello')).toEqual({ problem: 'not_base64' });
    expect(decodeLogo('')).toEqual({ problem: 'empty' });
  });

  test('the stored logo is answered as a data URL of its own type', () => {
    expect(logoDataUrl(JPEG, 'image/jpeg')).toBe(`data:image/jpeg;base64,${JPEG.toString('base64')}`);
    expect(logoDataUrl(null, null)).toBeNull();
  });
});
